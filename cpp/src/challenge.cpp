// Challenge tokens: version | issued_at | nonce | subject, HMAC-SHA256 bound to a purpose.
#include "totp_native/challenge.hpp"

#include <array>
#include <string>
#include <vector>

#include "hmac_key.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/secure.hpp"

namespace totp_native {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kNonceSize = 16;
constexpr std::size_t kTagSize = 32;
constexpr std::size_t kHeaderSize = 1 + 8 + kNonceSize + 1;
constexpr std::string_view kDomain = "totp-native-challenge";
// Longest possible token text: base64url of header + max subject + tag.
constexpr std::size_t kMaxTokenText = (kHeaderSize + kChallengeMaxSubject + kTagSize + 2) / 3 * 4;

void check_inputs(std::span<const std::uint8_t> key, std::string_view purpose) {
  if (key.empty()) throw InvalidArgument("the challenge key must not be empty");
  if (purpose.empty() || purpose.size() > kChallengeMaxPurpose) {
    throw InvalidArgument("purpose must be 1 to 255 bytes");
  }
}

// tag computes HMAC(key, domain 0x00 purpose 0x00 body). The purpose is authenticated
// but not carried, so a token made for one purpose never verifies for another.
std::array<std::uint8_t, kTagSize> tag(std::span<const std::uint8_t> key, std::string_view purpose,
                                       std::span<const std::uint8_t> body) {
  std::vector<std::uint8_t> message;
  message.reserve(kDomain.size() + purpose.size() + 2 + body.size());
  message.insert(message.end(), kDomain.begin(), kDomain.end());
  message.push_back(0);
  message.insert(message.end(), purpose.begin(), purpose.end());
  message.push_back(0);
  message.insert(message.end(), body.begin(), body.end());
  const detail::HmacKey mac(HashAlgorithm::kSha256, key);
  std::array<std::uint8_t, kTagSize> out;
  mac.compute(message, out.data());
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15u]);
  }
  return out;
}

}  // namespace

std::string sign_challenge(std::span<const std::uint8_t> key, std::string_view subject,
                           std::string_view purpose, std::int64_t issued_at) {
  check_inputs(key, purpose);
  if (subject.empty() || subject.size() > kChallengeMaxSubject) {
    throw InvalidArgument("subject must be 1 to 255 bytes");
  }
  std::vector<std::uint8_t> token;
  token.reserve(kHeaderSize + subject.size() + kTagSize);
  token.push_back(kVersion);
  const auto ts = static_cast<std::uint64_t>(issued_at);
  for (int shift = 56; shift >= 0; shift -= 8) {
    token.push_back(static_cast<std::uint8_t>((ts >> shift) & 0xFFu));
  }
  std::array<std::uint8_t, kNonceSize> nonce;
  random_fill(nonce);
  token.insert(token.end(), nonce.begin(), nonce.end());
  token.push_back(static_cast<std::uint8_t>(subject.size()));
  token.insert(token.end(), subject.begin(), subject.end());
  const auto mac = tag(key, purpose, token);
  token.insert(token.end(), mac.begin(), mac.end());
  return base64url_encode(token, false);
}

ChallengeClaims verify_challenge(std::span<const std::uint8_t> key, std::string_view token,
                                 std::string_view purpose, std::int64_t max_age,
                                 std::int64_t now) {
  check_inputs(key, purpose);
  if (max_age < 0) throw InvalidArgument("max_age must be >= 0");
  if (token.size() > kMaxTokenText) throw InvalidTokenError("challenge token is malformed");
  std::vector<std::uint8_t> raw;
  if (!base64url_decode(token, raw) || raw.size() < kHeaderSize + 1 + kTagSize ||
      raw[0] != kVersion) {
    throw InvalidTokenError("challenge token is malformed");
  }
  const std::size_t subject_size = raw[kHeaderSize - 1];
  if (subject_size == 0 || raw.size() != kHeaderSize + subject_size + kTagSize) {
    throw InvalidTokenError("challenge token is malformed");
  }
  const std::span<const std::uint8_t> body(raw.data(), raw.size() - kTagSize);
  const auto expected = tag(key, purpose, body);
  if (!constant_time_equal(expected, std::span<const std::uint8_t>(raw.data() + body.size(), kTagSize))) {
    throw InvalidTokenError("challenge token signature does not match (wrong key or purpose, or tampered)");
  }
  std::uint64_t ts = 0;
  for (std::size_t i = 1; i <= 8; ++i) ts = (ts << 8) | raw[i];
  const auto issued_at = static_cast<std::int64_t>(ts);
  // The differences are taken in unsigned arithmetic, which is exact for a positive
  // difference of two int64 values: issued_at is authentic but may be any 64-bit value.
  if (issued_at > now && static_cast<std::uint64_t>(issued_at) - static_cast<std::uint64_t>(now) >
                             static_cast<std::uint64_t>(kChallengeMaxClockSkew)) {
    throw ExpiredTokenError("challenge token was issued in the future");
  }
  if (issued_at < now && static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(issued_at) >
                             static_cast<std::uint64_t>(max_age)) {
    throw ExpiredTokenError("challenge token has expired");
  }
  ChallengeClaims claims;
  claims.subject.assign(reinterpret_cast<const char*>(raw.data() + kHeaderSize), subject_size);
  claims.issued_at = issued_at;
  claims.nonce_hex = to_hex(std::span<const std::uint8_t>(raw.data() + 9, kNonceSize));
  return claims;
}

}  // namespace totp_native
