#include "unicode_fold.hpp"

#include <algorithm>
#include <cstdint>

namespace totp_native::detail {

namespace {

struct NfkcAsciiEntry {
  char32_t code_point;
  const char* ascii;  // nullptr: the code point is whitespace
};

#include "nfkc_ascii_table.inc"

bool is_ascii_space(unsigned char c) {
  // Python's str.isspace() for ASCII: \t \n \v \f \r, the separators 0x1c-0x1f, space.
  return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

bool is_ascii_code_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}

// decode_utf8 reads one code point at |i|; returns false on malformed input.
bool decode_utf8(std::string_view s, std::size_t& i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len;
  char32_t min;
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return false;
  }
  if (i + len > s.size()) return false;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  i += len;
  return true;
}

}  // namespace

FoldResult fold_to_ascii(std::string_view utf8, std::size_t max_code_points, std::string& out) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < utf8.size()) {
    if (++count > max_code_points) return FoldResult::kTooLong;
    char32_t cp;
    if (!decode_utf8(utf8, i, cp)) return FoldResult::kInvalidUtf8;
    if (cp < 0x80) {
      const auto c = static_cast<unsigned char>(cp);
      if (is_ascii_space(c)) continue;
      if (!is_ascii_code_char(c)) return FoldResult::kForeignCharacter;
      out.push_back(static_cast<char>(c));
      continue;
    }
    const auto* end = std::end(kNfkcAsciiTable);
    const auto* it = std::lower_bound(
        std::begin(kNfkcAsciiTable), end, cp,
        [](const NfkcAsciiEntry& e, char32_t value) { return e.code_point < value; });
    if (it == end || it->code_point != cp) return FoldResult::kForeignCharacter;
    if (it->ascii != nullptr) out.append(it->ascii);
  }
  return FoldResult::kOk;
}

}  // namespace totp_native::detail
