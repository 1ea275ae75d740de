// TOTP (RFC 6238): values, replay-aware matching and user-input normalisation.
#include <cmath>
#include <limits>
#include <string>

#include "hmac_key.hpp"
#include "otp_internal.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/otp.hpp"
#include "totp_native/secure.hpp"
#include "unicode_fold.hpp"

namespace totp_native {

namespace {

// Enough for any code a person might type with spaces, without scanning huge inputs.
constexpr std::size_t kMaxCodeInput = 64;

}  // namespace

std::int64_t totp_step(double for_time, std::int64_t period, std::int64_t t0) {
  return static_cast<std::int64_t>(
      std::floor((for_time - static_cast<double>(t0)) / static_cast<double>(period)));
}

std::string totp(std::span<const std::uint8_t> key, double for_time, const OtpParams& params) {
  params.validate();
  detail::check_key(key);
  if (!std::isfinite(for_time)) throw InvalidArgument("for_time must be a finite number");
  const std::int64_t step = totp_step(for_time, params.period, params.t0);
  if (step < 0) throw InvalidArgument("for_time is before t0: TOTP is undefined there");
  const detail::HmacKey mac(params.algorithm, key);
  return detail::hotp_with(mac, static_cast<std::uint64_t>(step), params.digits);
}

std::optional<std::string> normalize_otp_code(std::string_view code, int digits) {
  std::string folded;
  if (detail::fold_to_ascii(code, kMaxCodeInput, folded) != detail::FoldResult::kOk) {
    return std::nullopt;
  }
  if (folded.size() != static_cast<std::size_t>(digits)) return std::nullopt;
  for (char c : folded) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return folded;
}

std::optional<std::int64_t> totp_match(std::span<const std::uint8_t> key, std::string_view code,
                                       double for_time, const OtpParams& params,
                                       std::int64_t after_step) {
  params.validate();
  detail::check_key(key);
  if (!std::isfinite(for_time)) throw InvalidArgument("for_time must be a finite number");
  std::optional<std::string> wanted = normalize_otp_code(code, params.digits);
  if (!wanted) return std::nullopt;

  const detail::HmacKey mac(params.algorithm, key);
  const std::int64_t now_step = totp_step(for_time, params.period, params.t0);
  std::optional<std::int64_t> best;
  std::int64_t best_distance = std::numeric_limits<std::int64_t>::max();
  // Every candidate is computed and compared, matched or not, so the time taken does
  // not tell which step (if any) matched.
  for (std::int64_t delta = -params.window; delta <= params.window; ++delta) {
    const std::int64_t step = now_step + delta;
    if (step < 0 || step <= after_step) continue;
    std::string candidate = detail::hotp_with(mac, static_cast<std::uint64_t>(step), params.digits);
    const bool equal = constant_time_equal(candidate, *wanted);
    secure_wipe(candidate);
    const std::int64_t distance = delta < 0 ? -delta : delta;
    // Strictly nearer wins, so on a tie the earlier (negative delta, visited first) stays.
    if (equal && distance < best_distance) {
      best = step;
      best_distance = distance;
    }
  }
  secure_wipe(*wanted);
  return best;
}

}  // namespace totp_native
