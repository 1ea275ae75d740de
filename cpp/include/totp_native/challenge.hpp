// Signed, purpose-bound, short-lived challenge tokens for the two-step login.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace totp_native {

// A future issued_at is tolerated up to this many seconds (clock skew between workers).
inline constexpr std::int64_t kChallengeMaxClockSkew = 60;
inline constexpr std::size_t kChallengeMaxSubject = 255;
inline constexpr std::size_t kChallengeMaxPurpose = 255;

struct ChallengeClaims {
  std::string subject;
  std::int64_t issued_at;
  std::string nonce_hex;  // 32 hex digits: the 128-bit nonce that makes a token single-use
};

// sign_challenge returns a compact URL-safe token binding |subject| (e.g. a user pk as
// text) and |purpose| at |issued_at| with a fresh 128-bit nonce, authenticated with
// HMAC-SHA256 under |key|. Layout before base64url (no padding):
//   version(1)=1 | issued_at(8, big-endian) | nonce(16) | subject_len(1) | subject |
//   tag(32) = HMAC(key, "totp-native-challenge" 0x00 purpose 0x00 || the bytes before tag)
// Throws InvalidArgument for an empty key, an empty or over-long subject or purpose.
std::string sign_challenge(std::span<const std::uint8_t> key, std::string_view subject,
                           std::string_view purpose, std::int64_t issued_at);

// verify_challenge returns the claims of |token| when it was signed under |key| for
// |purpose|. Throws InvalidTokenError for any format, signature or purpose problem, and
// ExpiredTokenError when issued_at + max_age < now or issued_at > now +
// kChallengeMaxClockSkew. Throws InvalidArgument for an empty key or negative max_age.
ChallengeClaims verify_challenge(std::span<const std::uint8_t> key, std::string_view token,
                                 std::string_view purpose, std::int64_t max_age,
                                 std::int64_t now);

}  // namespace totp_native
