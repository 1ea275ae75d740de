// Fernet (https://github.com/fernet/spec), byte-compatible with cryptography.fernet.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "totp_native/secure.hpp"

namespace totp_native {

// Fernet tokens accepted from as far as this many seconds in the future (clock skew),
// as in cryptography.fernet.
inline constexpr std::int64_t kFernetMaxClockSkew = 60;

// FernetKey holds a 32-byte Fernet key: 16 bytes HMAC-SHA256 signing key followed by
// 16 bytes AES-128-CBC encryption key. Immutable and safe to share between threads;
// copies share the same (wiped-on-destruction) key material.
class FernetKey {
 public:
  // FernetKey parses the URL-safe base64 text of 32 bytes. Throws InvalidArgument
  // ("Fernet key must be 32 url-safe base64-encoded bytes.") otherwise.
  explicit FernetKey(std::string_view base64url_key);
  // generate returns the base64url text of a fresh random key.
  static std::string generate();

  // encrypt returns the token for |plaintext| with timestamp |now| and a random IV.
  std::string encrypt(std::span<const std::uint8_t> plaintext, std::int64_t now) const;
  // encrypt_with_iv is encrypt with a caller-chosen IV; for known-answer tests only.
  // WARNING: reusing an IV under one key leaks plaintext relations.
  std::string encrypt_with_iv(std::span<const std::uint8_t> plaintext, std::int64_t now,
                              std::span<const std::uint8_t, 16> iv) const;

  // decrypt returns the plaintext of |token| (text, as produced by encrypt). Throws
  // InvalidTokenError when the token is malformed or its HMAC does not verify. Only when
  // |ttl| is set (as in cryptography.fernet) is the timestamp checked: ExpiredTokenError
  // when timestamp + ttl < now, or when the timestamp is more than kFernetMaxClockSkew
  // seconds after |now|.
  SecureBuffer decrypt(std::string_view token, std::optional<std::int64_t> ttl,
                       std::int64_t now) const;
  // extract_timestamp returns the timestamp of an authentic |token|; throws
  // InvalidTokenError otherwise. No TTL check.
  std::int64_t extract_timestamp(std::string_view token) const;

  // verify_and_decode returns the token bytes after checking version, length and HMAC;
  // throws InvalidTokenError otherwise. Used by decrypt and extract_timestamp.
  std::vector<std::uint8_t> verify_and_decode(std::string_view token) const;

 private:
  struct KeyMaterial;  // defined in fernet.cpp: the two keys plus any precomputed state
  friend class FernetKeyRing;

  // signature_matches returns true iff the last 32 bytes of decoded token |data| are
  // the HMAC of the bytes before them under this key (constant-time comparison).
  [[nodiscard]] bool signature_matches(std::span<const std::uint8_t> data) const;
  // open returns the plaintext of decoded, authenticated token |data|; throws
  // InvalidTokenError for a malformed ciphertext or bad padding.
  SecureBuffer open(std::span<const std::uint8_t> data) const;
  // seal builds the token; |timestamp| is unsigned so rotate keeps any genuine one.
  std::string seal(std::span<const std::uint8_t> plaintext, std::uint64_t timestamp,
                   std::span<const std::uint8_t, 16> iv) const;

  std::shared_ptr<const KeyMaterial> material_;
};

// FernetKeyRing is MultiFernet: encrypts with the first key, decrypts with any.
class FernetKeyRing {
 public:
  // Throws InvalidArgument when |keys| is empty.
  explicit FernetKeyRing(std::vector<FernetKey> keys);
  std::string encrypt(std::span<const std::uint8_t> plaintext, std::int64_t now) const;
  // decrypt tries each key in order. When none works it throws ExpiredTokenError if some
  // key authenticated the token but it is outside its time window (with rotation the
  // owning key is often not the last one, so its verdict must not be lost), otherwise
  // InvalidTokenError.
  SecureBuffer decrypt(std::string_view token, std::optional<std::int64_t> ttl,
                       std::int64_t now) const;
  std::int64_t extract_timestamp(std::string_view token) const;
  // rotate re-encrypts |token| under the first key, keeping its original timestamp.
  std::string rotate(std::string_view token) const;
  const std::vector<FernetKey>& keys() const noexcept { return keys_; }

 private:
  std::vector<FernetKey> keys_;
};

}  // namespace totp_native
