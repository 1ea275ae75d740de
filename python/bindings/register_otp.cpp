#include <pybind11/stl.h>

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

// OtpKey holds a key argument: bytes are used as they are (the Python object already
// holds them); str is a base32 secret, decoded into a buffer that is wiped afterwards.
struct OtpKey {
  SecureBuffer decoded;
  std::span<const std::uint8_t> bytes;

  explicit OtpKey(py::handle key) {
    if (PyUnicode_Check(key.ptr())) {
      decoded = base32_decode(bytes_or_str_view(key, "key"));
      bytes = decoded.span();
    } else {
      bytes = as_bytes(bytes_view(key, "key (raw bytes, or a base32 str)"));
    }
  }
};

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

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

FernetKeyRing key_ring(py::handle fernet) {
  if (py::isinstance<FernetKeyRing>(fernet)) return fernet.cast<const FernetKeyRing&>();
  if (py::isinstance<FernetKey>(fernet)) return FernetKeyRing({fernet.cast<const FernetKey&>()});
  throw py::type_error("fernet must be a django_totp_native.core Fernet or MultiFernet");
}

py::object step_or_none(std::optional<std::int64_t> step) {
  if (!step) return py::none();
  return py::int_(*step);
}


// totp_match and totp_match_sealed are vectorcall functions: see fastcall.hpp for why.
// The first line of each docstring is the signature, as pybind11 writes it, so help()
// and the stub generator show the same thing as for the other functions.

const FastSignature& totp_match_signature() {
  static const FastSignature signature(
      "totp_match", {"key", "code", "for_time", "period", "digits", "algorithm", "t0", "window",
                     "after_step"},
      3, 3);
  return signature;
}

const FastSignature& totp_match_sealed_signature() {
  static const FastSignature signature(
      "totp_match_sealed", {"fernet", "sealed_secret", "code", "for_time", "period", "digits",
                            "algorithm", "t0", "window", "after_step"},
      4, 4);
  return signature;
}

// match_common converts the arguments after the code (for_time and the keywords) found
// at |a| and runs |match| with them.
template <typename Match>
py::object match_common(PyObject* code, PyObject** a, Match&& match) {
  const OtpParams params = make_params(a[1], a[2], a[3], a[4], a[5]);
  const double when = unix_time(a[0], "for_time");
  const std::int64_t floor =
      a[6] == nullptr ? -1 : arg_int64(a[6], "after_step", kInt64Min, kInt64Max);
  const auto text = code_text(code);
  if (!text) return py::none();
  return step_or_none(match(*text, when, params, floor));
}

PyObject* totp_match_fast(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* a[10];
  if (!totp_match_signature().parse(args, nargs, kwnames, a)) return nullptr;
  return call_guarded([&] {
    const OtpKey key(a[0]);
    return match_common(a[1], a + 2, [&](std::string_view code, double when,
                                         const OtpParams& params, std::int64_t floor) {
      return totp_match(key.bytes, code, when, params, floor);
    });
  });
}

PyObject* totp_match_sealed_fast(PyObject*, PyObject* const* args, Py_ssize_t nargs,
                                 PyObject* kwnames) {
  PyObject* a[10];
  if (!totp_match_sealed_signature().parse(args, nargs, kwnames, a)) return nullptr;
  return call_guarded([&] {
    const FernetKeyRing keys = key_ring(a[0]);
    const std::string_view token = bytes_or_str_view(a[1], "sealed_secret");
    return match_common(a[2], a + 3, [&](std::string_view code, double when,
                                         const OtpParams& params, std::int64_t floor) {
      return totp_match_sealed(keys, token, code, when, params, floor);
    });
  });
}

PyMethodDef kTotpMatchDef = {
    "totp_match", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&totp_match_fast)),
    METH_FASTCALL | METH_KEYWORDS,
    R"doc(totp_match(key: bytes | str, code: str, for_time: int | float | None, *, period: int = 30, digits: int = 6, algorithm: str = 'SHA1', t0: int = 0, window: int = 1, after_step: int = -1) -> int | None

Return the time step at which ``code`` is valid for ``key``, or None.

Steps within ``window`` of ``for_time``'s step are tried; only steps greater than
``after_step`` (the last step accepted for this key: the replay floor) count, and the
nearest to now wins. ``code`` is NFKC-normalised with whitespace ignored and must then
be exactly ``digits`` ASCII digits; anything else (including non-str) gives None, never
an exception. Bad parameters raise ValueError.)doc"};

PyMethodDef kTotpMatchSealedDef = {
    "totp_match_sealed",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&totp_match_sealed_fast)),
    METH_FASTCALL | METH_KEYWORDS,
    R"doc(totp_match_sealed(fernet: Fernet | MultiFernet, sealed_secret: bytes | str, code: str, for_time: int | float | None, *, period: int = 30, digits: int = 6, algorithm: str = 'SHA1', t0: int = 0, window: int = 1, after_step: int = -1) -> int | None

totp_match against a Fernet-sealed base32 secret, in one native call.

``fernet`` is a Fernet or MultiFernet; ``sealed_secret`` the token (as django-totp
stores it). The plaintext secret never becomes a Python object and is wiped. Raises
InvalidToken when no key decrypts it; otherwise as totp_match.)doc"};

}  // namespace

void register_otp(py::module_& m) {
  m.def(
      "hotp",
      [](const PyBytesOrStr& key, const PyInt& counter, const PyInt& digits,
         const PyStr& algorithm) {
        const auto c = arg_int64(counter, "counter", 0, kInt64Max);
        const int d = arg_int(digits, "digits");
        const HashAlgorithm a = parse_hash_algorithm(arg_text(algorithm, "algorithm"));
        const OtpKey k(key);
        return hotp(k.bytes, static_cast<std::uint64_t>(c), d, a);
      },
      py::arg("key"), py::arg("counter"), py::arg("digits") = 6, py::arg("algorithm") = "SHA1",
      R"doc(Return the HOTP value (RFC 4226) of ``key`` at ``counter`` as a zero-padded string.

``key`` is the raw key (bytes) or a base32 secret (str). ``digits`` 6..8, ``algorithm``
"SHA1", "SHA256" or "SHA512"; anything else raises ValueError.)doc");

  m.def(
      "totp",
      [](const PyBytesOrStr& key, const PyTime& for_time, const PyInt& period,
         const PyInt& digits, const PyStr& algorithm, const PyInt& t0) {
        const OtpParams params =
            make_params(period.ptr(), digits.ptr(), algorithm.ptr(), t0.ptr(), nullptr);
        const double when = unix_time(for_time, "for_time");
        const OtpKey k(key);
        return totp(k.bytes, when, params);
      },
      py::arg("key"), py::arg("for_time"), py::arg("period") = 30, py::arg("digits") = 6,
      py::arg("algorithm") = "SHA1", py::arg("t0") = 0,
      R"doc(Return the TOTP value (RFC 6238) of ``key`` at Unix time ``for_time``.

``key`` is bytes (raw) or str (base32). ``for_time`` is an int or float (None: now).
Raises ValueError for bad parameters or a time before ``t0``.)doc");

  add_fast_function(m, &kTotpMatchDef);
  add_fast_function(m, &kTotpMatchSealedDef);

  m.def(
      "provisioning_uri",
      [](const PyStr& secret_arg, const PyStr& account_arg, const PyOptStr& issuer_arg,
         const PyStr& algorithm_arg, const PyInt& digits, const PyInt& period,
         const PyOptStr& image_arg) {
        std::string secret = arg_text(secret_arg, "secret");
        const std::string account = arg_text(account_arg, "account");
        const auto issuer = arg_optional_text(issuer_arg, "issuer");
        const auto image = arg_optional_text(image_arg, "image");
        const HashAlgorithm algorithm = parse_hash_algorithm(arg_text(algorithm_arg, "algorithm"));
        std::optional<std::string_view> issuer_view, image_view;
        if (issuer) issuer_view = *issuer;
        if (image) image_view = *image;
        std::string uri = provisioning_uri(secret, account, issuer_view, algorithm,
                                           arg_int(digits, "digits"),
                                           arg_int64(period, "period", kInt64Min, kInt64Max),
                                           image_view);
        secure_wipe(secret);
        return uri;
      },
      py::arg("secret"), py::arg("account"), py::arg("issuer") = py::none(), py::kw_only(),
      py::arg("algorithm") = "SHA1", py::arg("digits") = 6, py::arg("period") = 30,
      py::arg("image") = py::none(),
      R"doc(Return the otpauth://totp/ Key URI for an authenticator app.

The issuer is both the label prefix and the ``issuer`` parameter; default-valued
parameters are omitted. Raises ValueError for an empty account, a ':' in the issuer,
an invalid base32 secret or bad parameters.)doc");
}

}  // namespace totp_native::bindings
