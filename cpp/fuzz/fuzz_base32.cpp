// base32_decode on arbitrary text (what users paste as a secret), and the encoder.
// Invariants: decoding fails only with InvalidArgument, exactly for the text a reference
// rule written here refuses; whatever decodes re-encodes to
// the canonical spelling of the input (upper case, no spaces, '-' or '='), except that
// unused low bits of the last symbol, which the decoder ignores, come back as zeros;
// the padded encoding decodes to the same bytes; raw bytes round-trip exactly.
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"

using namespace totp_native;

namespace {

int symbol_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// reference_accepts states the documented rule on its own: after dropping spaces and '-',
// symbols (either case) then optional '=' up to the end; a symbol count that some byte
// string encodes to (0, 2, 4, 5 or 7 in the last group of 8); padding, when present,
// completing a multiple of 8 characters.
bool reference_accepts(std::string_view text) {
  std::size_t symbols = 0, pad = 0;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    const char upper = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    if (pad != 0 || symbol_value(upper) < 0) return false;
    ++symbols;
  }
  const std::size_t tail = symbols % 8;
  if (tail == 1 || tail == 3 || tail == 6) return false;
  return pad == 0 || (symbols + pad) % 8 == 0;
}

void check_text(std::string_view text) {
  SecureBuffer decoded;
  try {
    decoded = base32_decode(text);
  } catch (const InvalidArgument&) {
    FUZZ_CHECK(!reference_accepts(text));
    return;
  }
  FUZZ_CHECK(reference_accepts(text));
  std::string canonical;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '=') continue;
    canonical.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  for (char c : canonical) FUZZ_CHECK(symbol_value(c) >= 0);
  FUZZ_CHECK(decoded.size() == canonical.size() * 5 / 8);

  const std::string encoded = base32_encode(decoded.span(), false);
  FUZZ_CHECK(encoded.size() == canonical.size());
  if (!encoded.empty()) {
    FUZZ_CHECK(encoded.compare(0, encoded.size() - 1, canonical, 0, canonical.size() - 1) == 0);
    // The last symbol may differ only in the bits that carry no data.
    const std::size_t unused_bits = (canonical.size() * 5) % 8;
    const int mask = ~((1 << unused_bits) - 1) & 31;
    FUZZ_CHECK((symbol_value(encoded.back()) & mask) == (symbol_value(canonical.back()) & mask));
    FUZZ_CHECK((symbol_value(encoded.back()) & ~mask) == 0);
  }
  const SecureBuffer again = base32_decode(encoded);
  FUZZ_CHECK(again.size() == decoded.size() &&
             constant_time_equal(again.span(), decoded.span()));
  const std::string padded = base32_encode(decoded.span(), true);
  FUZZ_CHECK(padded.size() % 8 == 0);
  const SecureBuffer from_padded = base32_decode(padded);
  FUZZ_CHECK(constant_time_equal(from_padded.span(), decoded.span()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_text(text);
  // The same bytes as data to encode: any byte string survives encode -> decode.
  const std::string encoded = base32_encode(fuzz::as_span(text), (size & 1) != 0);
  const SecureBuffer decoded = base32_decode(encoded);
  FUZZ_CHECK(constant_time_equal(decoded.span(), fuzz::as_span(text)));
  return 0;
}
