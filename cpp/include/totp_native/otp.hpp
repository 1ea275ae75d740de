// HOTP (RFC 4226) and TOTP (RFC 6238), with replay-aware matching.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace totp_native {

enum class HashAlgorithm { kSha1, kSha256, kSha512 };

// parse_hash_algorithm returns the algorithm named |name| ("SHA1", "SHA256", "SHA512",
// case-insensitive). Throws InvalidArgument for any other name.
HashAlgorithm parse_hash_algorithm(std::string_view name);

// OtpParams are the parameters every TOTP/HOTP function shares. validate() throws
// InvalidArgument unless digits is 6..8, period >= 1 and window is 0..kMaxWindow.
struct OtpParams {
  HashAlgorithm algorithm = HashAlgorithm::kSha1;
  int digits = 6;
  std::int64_t period = 30;
  std::int64_t t0 = 0;
  int window = 1;
  void validate() const;
};
inline constexpr int kMaxWindow = 10;

// hotp returns the |digits|-digit HOTP value of |key| at |counter| (RFC 4226).
// Throws InvalidArgument for bad parameters or an empty key.
std::string hotp(std::span<const std::uint8_t> key, std::uint64_t counter, int digits = 6,
                 HashAlgorithm algorithm = HashAlgorithm::kSha1);

// totp_step returns the time step that contains |for_time| (floor division, so times
// before t0 give negative steps).
std::int64_t totp_step(double for_time, std::int64_t period, std::int64_t t0);

// totp returns the TOTP value of |key| at |for_time| (RFC 6238).
std::string totp(std::span<const std::uint8_t> key, double for_time, const OtpParams& params);

// normalize_otp_code returns the ASCII digits of a user-typed |code| (UTF-8): each code
// point is NFKC-normalised, whitespace is dropped anywhere, and the result must be
// exactly |digits| ASCII digits. Returns nullopt otherwise (including invalid UTF-8).
std::optional<std::string> normalize_otp_code(std::string_view code, int digits);

// totp_match returns the time step at which |code| is the TOTP of |key|, searching the
// steps within |params.window| of |for_time|'s step and accepting only steps strictly
// greater than |after_step| (the replay floor: the last step accepted for this key).
// When several steps match, the one nearest to |for_time| wins (the earlier on a tie).
// Returns nullopt when nothing matches or |code| is not well-formed; it throws only for
// invalid |params| or an empty key. The comparison is constant-time per candidate.
[[nodiscard]] std::optional<std::int64_t> totp_match(std::span<const std::uint8_t> key,
                                                     std::string_view code, double for_time,
                                                     const OtpParams& params,
                                                     std::int64_t after_step = -1);

// provisioning_uri returns the otpauth:// Key URI for |secret| (base32 text) and
// |account|. When |issuer| is set it is the label prefix ("issuer:account") and the
// issuer= parameter. Default-valued parameters (SHA1, 6 digits, period 30) are omitted.
// |image| adds image=. Throws InvalidArgument for an empty account, a ':' in the issuer,
// an invalid base32 secret or bad parameters.
std::string provisioning_uri(std::string_view secret, std::string_view account,
                             std::optional<std::string_view> issuer, HashAlgorithm algorithm,
                             int digits, std::int64_t period,
                             std::optional<std::string_view> image);

}  // namespace totp_native
