// fold_to_ascii, the NFKC fold under backup-code and OTP-code input. Invariants: output
// only ever holds ASCII letters, digits and '-'; kOk means the input was valid UTF-8 (a
// UTF-8 validator written here from Unicode's table 3-7, so it shares nothing with the
// core's decoder) and invalid UTF-8 never gives kOk; folding is idempotent; the code
// point limit is honoured; pure ASCII folds to itself minus whitespace.
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "unicode_fold.hpp"

using totp_native::detail::FoldResult;
using totp_native::detail::fold_to_ascii;

namespace {

// reference_utf8_length returns the number of code points of well-formed UTF-8, or -1.
long reference_utf8_length(std::string_view s) {
  long count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto in = [](unsigned char v, unsigned lo, unsigned hi) { return v >= lo && v <= hi; };
    const std::size_t left = s.size() - i;
    if (b(0) <= 0x7F) { i += 1; continue; }
    if (in(b(0), 0xC2, 0xDF) && left >= 2 && in(b(1), 0x80, 0xBF)) { i += 2; continue; }
    if (left >= 3) {
      const bool three =
          (b(0) == 0xE0 && in(b(1), 0xA0, 0xBF)) || (in(b(0), 0xE1, 0xEC) && in(b(1), 0x80, 0xBF)) ||
          (b(0) == 0xED && in(b(1), 0x80, 0x9F)) || (in(b(0), 0xEE, 0xEF) && in(b(1), 0x80, 0xBF));
      if (three && in(b(2), 0x80, 0xBF)) { i += 3; continue; }
    }
    if (left >= 4) {
      const bool four = (b(0) == 0xF0 && in(b(1), 0x90, 0xBF)) ||
                        (in(b(0), 0xF1, 0xF3) && in(b(1), 0x80, 0xBF)) ||
                        (b(0) == 0xF4 && in(b(1), 0x80, 0x8F));
      if (four && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF)) { i += 4; continue; }
    }
    return -1;
  }
  return count;
}

bool is_code_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}

bool is_python_ascii_space(char c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Reader in(data, size);
  const std::size_t limit = in.u8();  // 0..255 code points
  const std::string_view text = in.rest();

  std::string out;
  const FoldResult result = fold_to_ascii(text, limit, out);
  for (char c : out) FUZZ_CHECK(is_code_char(c));
  const long code_points = reference_utf8_length(text);
  if (result == FoldResult::kOk) {
    FUZZ_CHECK(code_points >= 0 && static_cast<std::size_t>(code_points) <= limit);
    std::string again;
    FUZZ_CHECK(fold_to_ascii(out, out.size(), again) == FoldResult::kOk);
    FUZZ_CHECK(again == out);
  }
  if (code_points < 0) FUZZ_CHECK(result != FoldResult::kOk);
  if (result == FoldResult::kTooLong) {
    FUZZ_CHECK(code_points < 0 || static_cast<std::size_t>(code_points) > limit);
  }
  if (code_points >= 0 && static_cast<std::size_t>(code_points) <= limit) {
    FUZZ_CHECK(result != FoldResult::kTooLong);
  }

  // ASCII text: the fold is a filter, fully predictable.
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii && text.size() <= limit) {
    std::string expected;
    bool foreign = false;
    for (char c : text) {
      if (is_python_ascii_space(c)) continue;
      if (!is_code_char(c)) { foreign = true; break; }
      expected.push_back(c);
    }
    FUZZ_CHECK(result == (foreign ? FoldResult::kForeignCharacter : FoldResult::kOk));
    if (!foreign) FUZZ_CHECK(out == expected);
  }
  return 0;
}
