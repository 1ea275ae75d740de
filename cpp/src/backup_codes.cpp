// Backup codes: generation from the CSPRNG, normalisation of typed input, keyed digests.
#include "totp_native/backup_codes.hpp"

#include <array>
#include <set>

#include "hmac_key.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/secure.hpp"
#include "unicode_fold.hpp"

namespace totp_native {

std::vector<std::string> generate_backup_codes(int count, int length, int group) {
  if (count < 1 || count > 1000) throw InvalidArgument("count must be between 1 and 1000");
  if (length < 6 || length > 64) throw InvalidArgument("length must be between 6 and 64");
  if (group < 0 || group > length) throw InvalidArgument("group must be between 0 and length");
  static_assert(kBackupCodeAlphabet.size() == 32, "256 is a multiple of 32: no modulo bias");

  std::vector<std::string> codes;
  std::set<std::string> seen;
  codes.reserve(static_cast<std::size_t>(count));
  SecureBuffer random(static_cast<std::size_t>(length));
  while (codes.size() < static_cast<std::size_t>(count)) {
    random_fill({random.data(), random.size()});
    std::string code;
    for (int i = 0; i < length; ++i) {
      if (group > 0 && i > 0 && i % group == 0) code.push_back('-');
      code.push_back(kBackupCodeAlphabet[random[static_cast<std::size_t>(i)] & 31u]);
    }
    // Collisions are astronomically unlikely at length >= 6 for small counts, but a set
    // of "distinct" codes must be distinct whatever the parameters.
    if (seen.insert(code).second) codes.push_back(std::move(code));
  }
  return codes;
}

std::string normalize_backup_code(std::string_view code) {
  std::string folded;
  switch (detail::fold_to_ascii(code, kMaxBackupCodeInput, folded)) {
    case detail::FoldResult::kOk:
      break;
    case detail::FoldResult::kTooLong:
      throw InvalidArgument("backup code is too long (at most 128 characters)");
    case detail::FoldResult::kInvalidUtf8:
      throw InvalidArgument("backup code is not valid UTF-8 text");
    case detail::FoldResult::kForeignCharacter:
      throw InvalidArgument("backup code may contain only letters, digits, spaces and '-'");
  }
  std::string out;
  out.reserve(folded.size());
  for (char c : folded) {
    if (c == '-') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    // Crockford decoding: letters that look like digits read as those digits.
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    out.push_back(c);
  }
  secure_wipe(folded);
  if (out.empty()) throw InvalidArgument("backup code is empty");
  return out;
}

std::string backup_code_digest(std::span<const std::uint8_t> key, std::string_view code) {
  if (key.empty()) throw InvalidArgument("the backup-code key must not be empty");
  std::string normalized = normalize_backup_code(code);
  const detail::HmacKey mac(HashAlgorithm::kSha256, key);
  std::array<std::uint8_t, 32> digest;
  mac.compute(as_bytes(normalized), digest.data());
  secure_wipe(normalized);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (std::uint8_t b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15u]);
  }
  return hex;
}

}  // namespace totp_native
