// Internal: folding user-typed text to the ASCII form codes are compared in.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace totp_native::detail {

enum class FoldResult { kOk, kInvalidUtf8, kForeignCharacter, kTooLong };

// fold_to_ascii appends to |out| the NFKC form of each code point of |utf8| when that
// form is ASCII letters, digits or '-', drops code points whose NFKC form is whitespace
// (Python's str.isspace), and stops with kForeignCharacter at anything else, kInvalidUtf8
// at malformed UTF-8 (including surrogates and overlong forms) and kTooLong after
// |max_code_points| code points. Letters keep their case.
FoldResult fold_to_ascii(std::string_view utf8, std::size_t max_code_points, std::string& out);

}  // namespace totp_native::detail
