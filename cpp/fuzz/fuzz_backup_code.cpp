// normalize_backup_code and backup_code_digest on arbitrary user input, and the OTP-code
// normaliser that shares the fold. Invariants: failures are InvalidArgument only; a
// normalised code is non-empty, Crockford upper case (no O, I, L; no '-'), and a fixed
// point of normalisation; the digest of any spelling equals the digest of its normal
// form and fails exactly when normalisation fails; an OTP code normalises to exactly
// |digits| ASCII digits or to nothing.
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_common.hpp"
#include "totp_native/backup_codes.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/otp.hpp"

using namespace totp_native;

namespace {

std::optional<std::string> normalized(std::string_view code) {
  try {
    return normalize_backup_code(code);
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
}

std::optional<std::string> digest(std::string_view key, std::string_view code) {
  try {
    return backup_code_digest(fuzz::as_span(key), code);
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view code(reinterpret_cast<const char*>(data), size);
  const auto normal = normalized(code);
  static const std::string key = "fuzz-backup-code-key";
  const auto mac = digest(key, code);
  FUZZ_CHECK(normal.has_value() == mac.has_value());
  if (normal) {
    FUZZ_CHECK(!normal->empty());
    for (char c : *normal) {
      FUZZ_CHECK(((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) && c != 'O' && c != 'I' &&
                 c != 'L');
    }
    // A few compatibility characters expand (U+3392 is "MHz"), so a 128-character input
    // may normalise to more than the 128 characters an input may have.
    if (normal->size() <= kMaxBackupCodeInput) {
      FUZZ_CHECK(normalized(*normal) == normal);
      FUZZ_CHECK(digest(key, *normal) == mac);
    }
    FUZZ_CHECK(mac->size() == 64);
    // Lower case and group dashes are other spellings of the same code.
    std::string spelled;
    for (std::size_t i = 0; i < normal->size(); ++i) {
      if (i > 0 && i % 4 == 0) spelled.push_back('-');
      const char c = (*normal)[i];
      spelled.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    if (spelled.size() <= kMaxBackupCodeInput) FUZZ_CHECK(digest(key, spelled) == mac);
  }

  for (int digits = 6; digits <= 8; ++digits) {
    const auto otp = normalize_otp_code(code, digits);
    if (!otp) continue;
    FUZZ_CHECK(otp->size() == static_cast<std::size_t>(digits));
    for (char c : *otp) FUZZ_CHECK(c >= '0' && c <= '9');
    FUZZ_CHECK(normalize_otp_code(*otp, digits) == otp);
  }
  return 0;
}
