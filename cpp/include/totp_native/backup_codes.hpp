// One-time backup (recovery) codes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace totp_native {

// Crockford's base32 alphabet: no I, L, O, U, so codes survive being read aloud.
inline constexpr std::string_view kBackupCodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
inline constexpr std::size_t kMaxBackupCodeInput = 128;

// generate_backup_codes returns |count| distinct random codes of |length| symbols,
// split into groups of |group| symbols by '-' (group 0: no separators). Throws
// InvalidArgument unless 1 <= count <= 1000, 6 <= length <= 64, 0 <= group <= length.
std::vector<std::string> generate_backup_codes(int count, int length, int group);

// normalize_backup_code returns the canonical form of a user-typed |code| (UTF-8): NFKC
// per code point, whitespace and '-' dropped, upper-cased, O->0, I and L->1. Throws
// InvalidArgument when |code| is longer than kMaxBackupCodeInput code points, is not
// valid UTF-8, contains a character that cannot be part of a backup code, or leaves
// nothing after normalisation.
std::string normalize_backup_code(std::string_view code);

// backup_code_digest returns the lower-case hex HMAC-SHA256 of the normalised |code|
// under |key|: what is stored instead of the code. Throws as normalize_backup_code, and
// InvalidArgument for an empty key.
std::string backup_code_digest(std::span<const std::uint8_t> key, std::string_view code);

}  // namespace totp_native
