// HOTP (RFC 4226) and the parameter checks every OTP function shares.
#include <array>
#include <cmath>
#include <string>

#include "hmac_key.hpp"
#include "otp_internal.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/otp.hpp"
#include "totp_native/secure.hpp"

namespace totp_native {

namespace {

constexpr std::array<std::uint32_t, 9> kPowersOfTen = {1,      10,      100,      1000,     10000,
                                                       100000, 1000000, 10000000, 100000000};

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

HashAlgorithm parse_hash_algorithm(std::string_view name) {
  std::string upper;
  for (char c : name.substr(0, 16)) {
    if (c != '-') upper.push_back(ascii_upper(c));
  }
  if (name.size() <= 16) {
    if (upper == "SHA1") return HashAlgorithm::kSha1;
    if (upper == "SHA256") return HashAlgorithm::kSha256;
    if (upper == "SHA512") return HashAlgorithm::kSha512;
  }
  throw InvalidArgument("algorithm must be one of 'SHA1', 'SHA256', 'SHA512'");
}

void OtpParams::validate() const {
  if (digits < 6 || digits > 8) throw InvalidArgument("digits must be 6, 7 or 8");
  if (period < 1) throw InvalidArgument("period must be at least 1 second");
  if (period > 86400 * 366) throw InvalidArgument("period must be at most one year");
  if (window < 0 || window > kMaxWindow) {
    throw InvalidArgument("window must be between 0 and " + std::to_string(kMaxWindow));
  }
}

namespace detail {

void check_key(std::span<const std::uint8_t> key) {
  if (key.empty()) throw InvalidArgument("the OTP key must not be empty");
}

std::string hotp_with(const HmacKey& mac, std::uint64_t counter, int digits) {
  std::array<std::uint8_t, 8> message;
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter & 0xFFu);
    counter >>= 8;
  }
  std::array<std::uint8_t, kMaxMacSize> hash;
  const std::size_t size = mac.compute(message, hash.data());
  // Dynamic truncation, RFC 4226 section 5.3.
  const std::size_t offset = hash[size - 1] & 0x0Fu;
  const std::uint32_t binary = ((std::uint32_t{hash[offset]} & 0x7Fu) << 24) |
                               (std::uint32_t{hash[offset + 1]} << 16) |
                               (std::uint32_t{hash[offset + 2]} << 8) | hash[offset + 3];
  secure_wipe(hash.data(), hash.size());
  std::uint32_t value = binary % kPowersOfTen[static_cast<std::size_t>(digits)];
  std::string code(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0 && value != 0; --i) {
    code[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return code;
}

}  // namespace detail

std::string hotp(std::span<const std::uint8_t> key, std::uint64_t counter, int digits,
                 HashAlgorithm algorithm) {
  OtpParams params;
  params.digits = digits;
  params.algorithm = algorithm;
  params.validate();
  detail::check_key(key);
  const detail::HmacKey mac(algorithm, key);
  return detail::hotp_with(mac, counter, digits);
}

}  // namespace totp_native
