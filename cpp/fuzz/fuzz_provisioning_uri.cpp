// provisioning_uri with secret, account, issuer, image and parameters from the input.
// Invariants: failures are InvalidArgument only; a URI is otpauth://totp/<label>?<params>
// made of unreserved characters, '%XX' escapes and the URI's own delimiters; its label
// and parameters decode back to exactly the account, issuer and image given; the secret
// parameter is the canonical base32 of the decoded secret; defaults are omitted.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "fuzz_common.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/otp.hpp"

using namespace totp_native;

namespace {

// percent_decode returns nullopt for a malformed escape or an unescaped delimiter.
std::optional<std::string> percent_decode(std::string_view text) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;  // the builder writes upper-case escapes only
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (text.size() - i < 3) return std::nullopt;
      const int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
      continue;
    }
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~' || c == '@';
    if (!unreserved) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Reader in(data, size);
  const std::uint8_t shape = in.u8();
  const auto algorithm = static_cast<HashAlgorithm>(shape % 3);
  const int digits = 5 + (in.u8() % 5);                        // 5..9: edges included
  std::int64_t period = static_cast<std::int8_t>(in.u8());    // -128..127
  if (shape & 0x80) period = static_cast<std::int64_t>(in.u64());
  const std::string secret(in.field());
  const std::string account(in.field());
  std::optional<std::string> issuer;
  if (shape & 0x08) issuer = std::string(in.field());
  std::optional<std::string> image;
  if (shape & 0x10) image = std::string(in.rest());

  std::string uri;
  try {
    uri = provisioning_uri(secret, account,
                           issuer ? std::optional<std::string_view>(*issuer) : std::nullopt,
                           algorithm, digits, period,
                           image ? std::optional<std::string_view>(*image) : std::nullopt);
  } catch (const InvalidArgument&) {
    return 0;
  }
  FUZZ_CHECK(digits >= 6 && digits <= 8 && period >= 1 && !account.empty());

  constexpr std::string_view kPrefix = "otpauth://totp/";
  FUZZ_CHECK(uri.compare(0, kPrefix.size(), kPrefix) == 0);
  const std::size_t query = uri.find('?');
  FUZZ_CHECK(query != std::string::npos && uri.find('?', query + 1) == std::string::npos);
  const std::string_view label = std::string_view(uri).substr(kPrefix.size(), query - kPrefix.size());
  const std::size_t colon = label.find(':');
  if (issuer) {
    FUZZ_CHECK(colon != std::string_view::npos);
    FUZZ_CHECK(percent_decode(label.substr(0, colon)) == issuer);
    FUZZ_CHECK(percent_decode(label.substr(colon + 1)) == account);
  } else {
    FUZZ_CHECK(colon == std::string_view::npos);
    FUZZ_CHECK(percent_decode(label) == account);
  }

  std::map<std::string, std::string> params;
  std::string_view rest = std::string_view(uri).substr(query + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    FUZZ_CHECK(eq != std::string_view::npos && eq > 0);
    const auto value = percent_decode(pair.substr(eq + 1));
    FUZZ_CHECK(value.has_value());
    FUZZ_CHECK(params.emplace(std::string(pair.substr(0, eq)), *value).second);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  const SecureBuffer key = base32_decode(secret);
  FUZZ_CHECK(!key.empty() && params["secret"] == base32_encode(key.span(), false));
  FUZZ_CHECK(params.count("issuer") == (issuer ? 1u : 0u));
  if (issuer) FUZZ_CHECK(params["issuer"] == *issuer);
  static const char* const kNames[] = {"SHA1", "SHA256", "SHA512"};
  FUZZ_CHECK(params.count("algorithm") == (algorithm != HashAlgorithm::kSha1 ? 1u : 0u));
  if (algorithm != HashAlgorithm::kSha1) {
    FUZZ_CHECK(params["algorithm"] == kNames[static_cast<int>(algorithm)]);
  }
  FUZZ_CHECK(params.count("digits") == (digits != 6 ? 1u : 0u));
  if (digits != 6) FUZZ_CHECK(params["digits"] == std::to_string(digits));
  FUZZ_CHECK(params.count("period") == (period != 30 ? 1u : 0u));
  if (period != 30) FUZZ_CHECK(params["period"] == std::to_string(period));
  FUZZ_CHECK(params.count("image") == (image ? 1u : 0u));
  if (image) FUZZ_CHECK(params["image"] == *image);
  FUZZ_CHECK(params.size() == 1 + params.count("issuer") + params.count("algorithm") +
                                  params.count("digits") + params.count("period") +
                                  params.count("image"));
  return 0;
}
