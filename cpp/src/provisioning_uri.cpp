// otpauth:// Key URI format, as read by authenticator apps and pyotp.parse_uri.
#include <string>

#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/otp.hpp"

namespace totp_native {

namespace {

constexpr std::size_t kMaxLabelPart = 512;

// percent_encode escapes everything but RFC 3986 unreserved characters (and '@', which
// keeps e-mail account names readable, as pyotp does). Spaces become %20, never '+'.
void percent_encode(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~' || c == '@';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15u]);
    }
  }
}

const char* algorithm_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha1: return "SHA1";
    case HashAlgorithm::kSha256: return "SHA256";
    case HashAlgorithm::kSha512: return "SHA512";
  }
  return "SHA1";
}

}  // namespace

std::string provisioning_uri(std::string_view secret, std::string_view account,
                             std::optional<std::string_view> issuer, HashAlgorithm algorithm,
                             int digits, std::int64_t period,
                             std::optional<std::string_view> image) {
  OtpParams params;
  params.algorithm = algorithm;
  params.digits = digits;
  params.period = period;
  params.validate();
  if (account.empty()) throw InvalidArgument("account must not be empty");
  if (account.size() > kMaxLabelPart) throw InvalidArgument("account is too long (max 512 bytes)");
  if (issuer) {
    if (issuer->empty()) throw InvalidArgument("issuer must not be empty (pass None instead)");
    if (issuer->size() > kMaxLabelPart) throw InvalidArgument("issuer is too long (max 512 bytes)");
    if (issuer->find(':') != std::string_view::npos) {
      throw InvalidArgument("issuer must not contain ':' (it separates issuer and account)");
    }
  }
  // Canonical secret: decoded and re-encoded, so spaces, dashes, lower case and padding
  // in the input never reach the app.
  const SecureBuffer key = base32_decode(secret);
  if (key.empty()) throw InvalidArgument("secret must not be empty");
  std::string canonical = base32_encode(key.span(), false);

  std::string uri = "otpauth://totp/";
  if (issuer) {
    percent_encode(*issuer, uri);
    uri.push_back(':');
  }
  percent_encode(account, uri);
  uri += "?secret=";
  uri += canonical;
  secure_wipe(canonical);
  if (issuer) {
    uri += "&issuer=";
    percent_encode(*issuer, uri);
  }
  if (algorithm != HashAlgorithm::kSha1) {
    uri += "&algorithm=";
    uri += algorithm_name(algorithm);
  }
  if (digits != 6) uri += "&digits=" + std::to_string(digits);
  if (period != 30) uri += "&period=" + std::to_string(period);
  if (image) {
    if (image->size() > 2048) throw InvalidArgument("image URL is too long (max 2048 bytes)");
    uri += "&image=";
    percent_encode(*image, uri);
  }
  return uri;
}

}  // namespace totp_native
