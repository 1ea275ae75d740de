// base64url_decode, the first parser every Fernet and challenge token meets. Its result
// must agree with the harness's reference decoder on every input (same acceptance, same
// bytes), and what it accepts must re-encode to exactly the input text.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "totp_native/encoding.hpp"

using namespace totp_native;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::uint8_t> decoded;
  const bool ok = base64url_decode(text, decoded);
  const auto reference = fuzz::reference_b64url_decode(text, false);
  FUZZ_CHECK(ok == reference.has_value());
  if (!ok) {
    FUZZ_CHECK(decoded.empty());
  } else {
    FUZZ_CHECK(decoded == *reference);
    const bool padded = !text.empty() && text.back() == '=';
    FUZZ_CHECK(base64url_encode(decoded, padded) == text);
  }
  // Any bytes: encode -> decode is the identity, padded or not.
  std::vector<std::uint8_t> back;
  FUZZ_CHECK(base64url_decode(base64url_encode(fuzz::as_span(text), true), back));
  FUZZ_CHECK(back == std::vector<std::uint8_t>(data, data + size));
  FUZZ_CHECK(base64url_encode(fuzz::as_span(text), true) ==
             fuzz::reference_b64url_encode(fuzz::as_span(text), true));
  return 0;
}
