// Internal: HMAC with the key schedule done once, for keys used more than once per call
// (a TOTP window) or per process (challenge and backup-code keys).
#pragma once

#include <cstdint>
#include <span>

#include "totp_native/otp.hpp"

namespace totp_native::detail {

inline constexpr std::size_t kMaxMacSize = 64;  // SHA-512

// HmacKey holds the hash states after absorbing key^ipad and key^opad, so each MAC costs
// two short hash computations and no key processing. The states are plain structs
// copied on the stack per MAC: nothing is shared or mutated, so one HmacKey may be used
// from many threads at once. OpenSSL's low-level digest API is used on purpose here:
// through EVP, copying a digest context costs a provider allocation, ~10x the price of
// the two compression-function calls an HMAC of an 8-byte counter needs.
class HmacKey {
 public:
  HmacKey(HashAlgorithm algorithm, std::span<const std::uint8_t> key);
  ~HmacKey();
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;

  // compute writes the MAC of |message| to |out| (kMaxMacSize bytes of room) and
  // returns its size.
  std::size_t compute(std::span<const std::uint8_t> message, std::uint8_t* out) const;
  std::size_t size() const noexcept;

 private:
  HashAlgorithm algorithm_;
  // Large enough for SHA512_CTX (the largest) twice: inner then outer state.
  alignas(16) unsigned char state_[2 * 216];
};

}  // namespace totp_native::detail
