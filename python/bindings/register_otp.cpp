// hotp, totp, totp_match, totp_match_sealed, provisioning_uri.
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

// MatchArgs holds the converted arguments after the code (for_time and the keywords).
struct MatchArgs {
  OtpParams params;
  double when;
  std::int64_t floor;
};

// match_args converts the arguments found at |a|. It runs before any buffer argument is
// viewed: __index__ and time.time() may run Python code (registers.hpp).
MatchArgs match_args(PyObject** a) {
  MatchArgs out;
  out.params = make_params(a[1], a[2], a[3], a[4], a[5]);
  out.when = unix_time(a[0], "for_time");
  out.floor = a[6] == nullptr ? -1 : arg_int64(a[6], "after_step", kInt64Min, kInt64Max);
  return out;
}

py::object step_or_none(const std::optional<std::int64_t>& step) {
  if (!step) return py::none();
  return py::int_(*step);
}

py::object hotp_body(PyObject** a) {
  const auto counter = arg_int64(a[1], "counter", 0, kInt64Max);
  const int digits = a[2] ? arg_int(a[2], "digits") : 6;
  const HashAlgorithm algorithm =
      a[3] ? parse_hash_algorithm(arg_text(a[3], "algorithm")) : HashAlgorithm::kSha1;
  const OtpKey key(a[0]);
  return py::str(hotp(key.bytes, static_cast<std::uint64_t>(counter), digits, algorithm));
}

py::object totp_body(PyObject** a) {
  const OtpParams params = make_params(a[2], a[3], a[4], a[5], nullptr);
  const double when = unix_time(a[1], "for_time");
  const OtpKey key(a[0]);
  return py::str(totp(key.bytes, when, params));
}

py::object totp_match_body(PyObject** a) {
  const MatchArgs m = match_args(a + 2);
  const OtpKey key(a[0]);
  const auto code = code_text(a[1]);
  if (!code) return py::none();
  return step_or_none(totp_match(key.bytes, *code, m.when, m.params, m.floor));
}

py::object totp_match_sealed_body(PyObject** a) {
  const MatchArgs m = match_args(a + 3);
  const FernetKeyRing keys = arg_key_ring(a[0], "fernet");
  const BufferArg token(a[1], "sealed_secret", kBytesOrStr);
  const auto code = code_text(a[2]);
  if (!code) return py::none();
  return step_or_none(totp_match_sealed(keys, token.view(), *code, m.when, m.params, m.floor));
}

py::object provisioning_uri_body(PyObject** a) {
  std::string secret = arg_text(a[0], "secret");
  const std::string account = arg_text(a[1], "account");
  const auto issuer = a[2] ? arg_optional_text(a[2], "issuer") : std::nullopt;
  const HashAlgorithm algorithm =
      a[3] ? parse_hash_algorithm(arg_text(a[3], "algorithm")) : HashAlgorithm::kSha1;
  const int digits = a[4] ? arg_int(a[4], "digits") : 6;
  const std::int64_t period = a[5] ? arg_int64(a[5], "period", kInt64Min, kInt64Max) : 30;
  const auto image = a[6] ? arg_optional_text(a[6], "image") : std::nullopt;
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
  def_fast(m, {"hotp", {"key", "counter", "digits", "algorithm"}, 4, 2,
               R"doc(hotp(key: bytes | str, counter: int, digits: int = 6, algorithm: str = 'SHA1') -> str

Return the HOTP value (RFC 4226) of ``key`` at ``counter`` as a zero-padded string.

``key`` is the raw key (bytes) or a base32 secret (str). ``digits`` 6..8, ``algorithm``
"SHA1", "SHA256" or "SHA512"; anything else raises ValueError.)doc",
               &hotp_body});

  def_fast(m, {"totp", {"key", "for_time", "period", "digits", "algorithm", "t0"}, 6, 2,
               R"doc(totp(key: bytes | str, for_time: int | float | None, period: int = 30, digits: int = 6, algorithm: str = 'SHA1', t0: int = 0) -> str

Return the TOTP value (RFC 6238) of ``key`` at Unix time ``for_time``.

``key`` is bytes (raw) or str (base32). ``for_time`` is an int or float (None: now).
Raises ValueError for bad parameters or a time before ``t0``.)doc",
               &totp_body});

  def_fast(m, {"totp_match",
               {"key", "code", "for_time", "period", "digits", "algorithm", "t0", "window",
                "after_step"},
               3, 3,
               R"doc(totp_match(key: bytes | str, code: str, for_time: int | float | None, *, period: int = 30, digits: int = 6, algorithm: str = 'SHA1', t0: int = 0, window: int = 1, after_step: int = -1) -> int | None

Return the time step at which ``code`` is valid for ``key``, or None.

Steps within ``window`` of ``for_time``'s step are tried; only steps greater than
``after_step`` (the last step accepted for this key: the replay floor) count, and the
nearest to now wins. ``code`` is NFKC-normalised with whitespace ignored and must then
be exactly ``digits`` ASCII digits; anything else (including non-str) gives None, never
an exception. Bad parameters raise ValueError.)doc",
               &totp_match_body});

  def_fast(m, {"totp_match_sealed",
               {"fernet", "sealed_secret", "code", "for_time", "period", "digits", "algorithm",
                "t0", "window", "after_step"},
               4, 4,
               R"doc(totp_match_sealed(fernet: Fernet | MultiFernet, sealed_secret: bytes | str, code: str, for_time: int | float | None, *, period: int = 30, digits: int = 6, algorithm: str = 'SHA1', t0: int = 0, window: int = 1, after_step: int = -1) -> int | None

totp_match against a Fernet-sealed base32 secret, in one native call.

``fernet`` is a Fernet or MultiFernet; ``sealed_secret`` the token (as django-totp
stores it). The plaintext secret never becomes a Python object and is wiped. Raises
InvalidToken when no key decrypts it; otherwise as totp_match.)doc",
               &totp_match_sealed_body});

  def_fast(m, {"provisioning_uri",
               {"secret", "account", "issuer", "algorithm", "digits", "period", "image"}, 3, 2,
               R"doc(provisioning_uri(secret: str, account: str, issuer: str | None = None, *, algorithm: str = 'SHA1', digits: int = 6, period: int = 30, image: str | None = None) -> str

Return the otpauth://totp/ Key URI for an authenticator app.

The issuer is both the label prefix and the ``issuer`` parameter; default-valued
parameters are omitted. Raises ValueError for an empty account, a ':' in the issuer,
an invalid base32 secret or bad parameters.)doc",
               &provisioning_uri_body});
}

}  // namespace totp_native::bindings
