// hotp, totp, totp_match, totp_match_sealed, provisioning_uri.
#include <algorithm>
#include <array>
#include <iterator>
#include <limits>

#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/fernet.hpp"
#include "totp_native/otp.hpp"
#include "totp_native/sealed.hpp"

namespace totp_native::bindings {

namespace {

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// OtpKey holds a key argument: bytes are used as they are (BufferArg pins a bytearray);
// str is a base32 secret, decoded into a buffer that is wiped afterwards. Construct it
// after every other argument is converted (registers.hpp).
struct OtpKey {
  BufferArg arg;
  SecureBuffer decoded;
  std::span<const std::uint8_t> bytes;

  explicit OtpKey(py::handle key) : arg(key, "key (raw bytes, or a base32 str)", kBytesOrStr) {
    if (PyUnicode_Check(key.ptr())) {
      decoded = base32_decode(arg.view());
      bytes = decoded.span();
    } else {
      bytes = arg.bytes();
    }
  }
};

// make_params converts the shared keyword arguments (nullptr: the default); the core
// validates their ranges.
OtpParams make_params(PyObject* period, PyObject* digits, PyObject* algorithm, PyObject* t0,
                      PyObject* window) {
  OtpParams params;
  if (algorithm != nullptr) params.algorithm = parse_hash_algorithm(arg_text(algorithm, "algorithm"));
  if (digits != nullptr) params.digits = arg_int(digits, "digits");
  if (period != nullptr) params.period = arg_int64(period, "period", kInt64Min, kInt64Max);
  if (t0 != nullptr) params.t0 = arg_int64(t0, "t0", -1'000'000'000'000'000LL, 1'000'000'000'000'000LL);
  if (window != nullptr) params.window = arg_int(window, "window");
  params.validate();
  return params;
}

// algorithm_arg converts an optional algorithm argument (nullptr: SHA1).
HashAlgorithm algorithm_arg(PyObject* algorithm) {
  return algorithm ? parse_hash_algorithm(arg_text(algorithm, "algorithm")) : HashAlgorithm::kSha1;
}

// code_text returns the code as text, or nullopt for anything that is not a str (which
// can never match): verification answers "no", it does not raise, for hostile input.
std::optional<std::string_view> code_text(py::handle code) {
  if (!PyUnicode_Check(code.ptr())) return std::nullopt;
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(code.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();
    return std::nullopt;
  }
  return std::string_view(data, static_cast<std::size_t>(size));
}

// The keywords totp_match and totp_match_sealed share, after their positional parameters.
constexpr FastParam kMatchKeywords[] = {
    {"period", "int", "30", kKeywordOnly},
    {"digits", "int", "6", kKeywordOnly},
    {"algorithm", "str", "'SHA1'", kKeywordOnly},
    {"t0", "int", "0", kKeywordOnly},
    {"window", "int", "1", kKeywordOnly},
    {"after_step", "int", "-1", kKeywordOnly},
};

// with_match_keywords returns |leading| followed by kMatchKeywords.
template <std::size_t N>
consteval std::array<FastParam, N + std::size(kMatchKeywords)> with_match_keywords(
    const FastParam (&leading)[N]) {
  std::array<FastParam, N + std::size(kMatchKeywords)> params{};
  std::copy(std::begin(leading), std::end(leading), params.begin());
  std::copy(std::begin(kMatchKeywords), std::end(kMatchKeywords), params.begin() + N);
  return params;
}

// MatchArgs holds the converted arguments after the code (for_time and the keywords).
struct MatchArgs {
  OtpParams params;
  double when;
  std::int64_t floor;
};

// match_args converts for_time and the keywords. It runs before any buffer argument is
// viewed: __index__ and time.time() may run Python code (registers.hpp).
template <const auto& Params>
MatchArgs match_args(FastArgs<Params> a) {
  MatchArgs out;
  out.params = make_params(a["period"], a["digits"], a["algorithm"], a["t0"], a["window"]);
  out.when = unix_time(a["for_time"], "for_time");
  PyObject* const after_step = a["after_step"];
  out.floor = after_step ? arg_int64(after_step, "after_step", kInt64Min, kInt64Max) : -1;
  return out;
}

py::object step_or_none(const std::optional<std::int64_t>& step) {
  if (!step) return py::none();
  return py::int_(*step);
}

constexpr FastParam kHotp[] = {
    {"key", "bytes | str"},
    {"counter", "int"},
    {"digits", "int", "6"},
    {"algorithm", "str", "'SHA1'"},
};

py::object hotp_body(FastArgs<kHotp> a) {
  const auto counter = arg_int64(a["counter"], "counter", 0, kInt64Max);
  const int digits = a["digits"] ? arg_int(a["digits"], "digits") : 6;
  const HashAlgorithm algorithm = algorithm_arg(a["algorithm"]);
  const OtpKey key(a["key"]);
  return py::str(hotp(key.bytes, static_cast<std::uint64_t>(counter), digits, algorithm));
}

constexpr FastParam kTotp[] = {
    {"key", "bytes | str"},
    {"for_time", "int | float | None"},
    {"period", "int", "30"},
    {"digits", "int", "6"},
    {"algorithm", "str", "'SHA1'"},
    {"t0", "int", "0"},
};

py::object totp_body(FastArgs<kTotp> a) {
  const OtpParams params = make_params(a["period"], a["digits"], a["algorithm"], a["t0"], nullptr);
  const double when = unix_time(a["for_time"], "for_time");
  const OtpKey key(a["key"]);
  return py::str(totp(key.bytes, when, params));
}

constexpr FastParam kTotpMatchLeading[] = {
    {"key", "bytes | str"},
    {"code", "str"},
    {"for_time", "int | float | None"},
};
constexpr auto kTotpMatch = with_match_keywords(kTotpMatchLeading);

py::object totp_match_body(FastArgs<kTotpMatch> a) {
  const MatchArgs m = match_args(a);
  const OtpKey key(a["key"]);
  const auto code = code_text(a["code"]);
  if (!code) return py::none();
  return step_or_none(totp_match(key.bytes, *code, m.when, m.params, m.floor));
}

constexpr FastParam kTotpMatchSealedLeading[] = {
    {"fernet", "Fernet | MultiFernet"},
    {"sealed_secret", "bytes | str"},
    {"code", "str"},
    {"for_time", "int | float | None"},
};
constexpr auto kTotpMatchSealed = with_match_keywords(kTotpMatchSealedLeading);

py::object totp_match_sealed_body(FastArgs<kTotpMatchSealed> a) {
  const MatchArgs m = match_args(a);
  const FernetKeyRing keys = arg_key_ring(a["fernet"], "fernet");
  const BufferArg token(a["sealed_secret"], "sealed_secret", kBytesOrStr);
  const auto code = code_text(a["code"]);
  if (!code) return py::none();
  return step_or_none(totp_match_sealed(keys, token.view(), *code, m.when, m.params, m.floor));
}

constexpr FastParam kProvisioningUri[] = {
    {"secret", "str"},
    {"account", "str"},
    {"issuer", "str | None", "None"},
    {"algorithm", "str", "'SHA1'", kKeywordOnly},
    {"digits", "int", "6", kKeywordOnly},
    {"period", "int", "30", kKeywordOnly},
    {"image", "str | None", "None", kKeywordOnly},
};

py::object provisioning_uri_body(FastArgs<kProvisioningUri> a) {
  std::string secret = arg_text(a["secret"], "secret");
  const std::string account = arg_text(a["account"], "account");
  const auto issuer = a["issuer"] ? arg_optional_text(a["issuer"], "issuer") : std::nullopt;
  const HashAlgorithm algorithm = algorithm_arg(a["algorithm"]);
  const int digits = a["digits"] ? arg_int(a["digits"], "digits") : 6;
  const std::int64_t period =
      a["period"] ? arg_int64(a["period"], "period", kInt64Min, kInt64Max) : 30;
  const auto image = a["image"] ? arg_optional_text(a["image"], "image") : std::nullopt;
  std::optional<std::string_view> issuer_view, image_view;
  if (issuer) issuer_view = *issuer;
  if (image) image_view = *image;
  std::string uri =
      provisioning_uri(secret, account, issuer_view, algorithm, digits, period, image_view);
  secure_wipe(secret);
  return py::str(uri);
}

}  // namespace

void register_otp(py::module_& m) {
  def_fast<hotp_body>(
      m, "hotp", "str",
      R"doc(Return the HOTP value (RFC 4226) of ``key`` at ``counter`` as a zero-padded string.

``key`` is the raw key (bytes) or a base32 secret (str). ``digits`` 6..8, ``algorithm``
"SHA1", "SHA256" or "SHA512"; anything else raises ValueError.)doc");

  def_fast<totp_body>(
      m, "totp", "str",
      R"doc(Return the TOTP value (RFC 6238) of ``key`` at Unix time ``for_time``.

``key`` is bytes (raw) or str (base32). ``for_time`` is an int or float (None: now).
Raises ValueError for bad parameters or a time before ``t0``.)doc");

  def_fast<totp_match_body>(
      m, "totp_match", "int | None",
      R"doc(Return the time step at which ``code`` is valid for ``key``, or None.

Steps within ``window`` of ``for_time``'s step are tried; only steps greater than
``after_step`` (the last step accepted for this key: the replay floor) count, and the
nearest to now wins. ``code`` is NFKC-normalised with whitespace ignored and must then
be exactly ``digits`` ASCII digits; anything else (including non-str) gives None, never
an exception. Bad parameters raise ValueError.)doc");

  def_fast<totp_match_sealed_body>(
      m, "totp_match_sealed", "int | None",
      R"doc(totp_match against a Fernet-sealed base32 secret, in one native call.

``fernet`` is a Fernet or MultiFernet; ``sealed_secret`` the token (as django-totp
stores it). The plaintext secret never becomes a Python object and is wiped. Raises
InvalidToken when no key decrypts it; otherwise as totp_match.)doc");

  def_fast<provisioning_uri_body>(
      m, "provisioning_uri", "str",
      R"doc(Return the otpauth://totp/ Key URI for an authenticator app.

The issuer is both the label prefix and the ``issuer`` parameter; default-valued
parameters are omitted. Raises ValueError for an empty account, a ':' in the issuer,
an invalid base32 secret or bad parameters.)doc");
}

}  // namespace totp_native::bindings
