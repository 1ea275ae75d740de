// Fernet and MultiFernet with cryptography.fernet's Python API over the core's FernetKey
// and FernetKeyRing (which totp_match_sealed takes directly). Argument conversion only.
#include <optional>
#include <type_traits>
#include <string>
#include <vector>

#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/fernet.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

namespace {

py::bytes token_bytes(const std::string& token) { return {token.data(), token.size()}; }

// plaintext_bytes copies |plaintext| into a new bytes object; the caller's SecureBuffer
// wipes the native copy when it goes out of scope.
py::bytes plaintext_bytes(const SecureBuffer& plaintext) {
  return {reinterpret_cast<const char*>(plaintext.data()), plaintext.size()};
}

std::int64_t now_seconds() { return whole_seconds(py::none(), "current_time"); }

std::int64_t explicit_seconds(py::handle value, const char* what) {
  if (value.is_none()) {
    throw py::type_error(std::string(what) + " must be an int (Unix seconds), not None");
  }
  return whole_seconds(value, what);
}

std::optional<std::int64_t> optional_ttl(PyObject* ttl) {
  if (ttl == nullptr || ttl == Py_None) return std::nullopt;
  return whole_seconds(ttl, "ttl");
}

std::int64_t required_ttl(py::handle ttl) {
  if (ttl.is_none()) {
    throw py::value_error("decrypt_at_time() can only be used with a non-None ttl");
  }
  return whole_seconds(ttl, "ttl");
}

std::string type_name(const py::handle& obj) {
  const py::object type = py::type::of(obj);
  const std::string module = py::str(type.attr("__module__"));
  const std::string name = py::str(type.attr("__qualname__"));
  return module == "builtins" ? name : module + "." + name;
}

std::vector<FernetKey> fernet_list(py::handle fernets) {
  std::vector<FernetKey> keys;
  for (const py::handle item : py::iter(fernets)) {
    if (!py::isinstance<FernetKey>(item)) {
      throw py::type_error(
          "MultiFernet takes django_totp_native.core.Fernet instances, not " + type_name(item));
    }
    keys.push_back(item.cast<const FernetKey&>());
  }
  return keys;
}

// Method bodies shared by Fernet (FernetKey) and MultiFernet (FernetKeyRing): the two
// have the same operations; only cryptography's parameter names differ. a[0] is self.

template <typename Keys>
const Keys& self_of(PyObject* self) {
  if (!py::isinstance<Keys>(self)) {
    throw py::type_error("the method was called on an object that is not a " +
                         std::string(std::is_same_v<Keys, FernetKey> ? "Fernet" : "MultiFernet"));
  }
  return py::handle(self).cast<const Keys&>();
}

// Each body converts the times first and views the data or token last (registers.hpp):
// time.time() can be patched Python code.

template <typename Keys>
py::object encrypt_body(PyObject** a) {
  const std::int64_t now = now_seconds();
  const Keys& keys = self_of<Keys>(a[0]);
  const BufferArg data(a[1], "data", kBytesOnly);
  return token_bytes(keys.encrypt(data.bytes(), now));
}

template <typename Keys>
py::object encrypt_at_time_body(PyObject** a) {
  const std::int64_t now = explicit_seconds(a[2], "current_time");
  const Keys& keys = self_of<Keys>(a[0]);
  const BufferArg data(a[1], "data", kBytesOnly);
  return token_bytes(keys.encrypt(data.bytes(), now));
}

template <typename Keys>
py::object decrypt_body(PyObject** a) {
  const std::optional<std::int64_t> max_age = optional_ttl(a[2]);
  const std::int64_t now = max_age ? now_seconds() : 0;
  const Keys& keys = self_of<Keys>(a[0]);
  const BufferArg token(a[1], "token", kBytesOrStr);
  const SecureBuffer plaintext = keys.decrypt(token.view(), max_age, now);
  return plaintext_bytes(plaintext);
}

template <typename Keys>
py::object decrypt_at_time_body(PyObject** a) {
  const std::int64_t max_age = required_ttl(a[2]);
  const std::int64_t now = explicit_seconds(a[3], "current_time");
  const Keys& keys = self_of<Keys>(a[0]);
  const BufferArg token(a[1], "token", kBytesOrStr);
  const SecureBuffer plaintext = keys.decrypt(token.view(), max_age, now);
  return plaintext_bytes(plaintext);
}

template <typename Keys>
py::object extract_timestamp_body(PyObject** a) {
  const Keys& keys = self_of<Keys>(a[0]);
  const BufferArg token(a[1], "token", kBytesOrStr);
  return py::int_(keys.extract_timestamp(token.view()));
}

py::object rotate_body(PyObject** a) {
  const FernetKeyRing& keys = self_of<FernetKeyRing>(a[0]);
  const BufferArg token(a[1], "token", kBytesOrStr);
  return token_bytes(keys.rotate(token.view()));
}

// The constructors keep pybind11's init machinery (it allocates the instance) but take
// (*args, **kwargs) parsed by FastSignature, so no call can make pybind11 echo the key.
template <typename Make>
auto parse_init(const FastSignature& signature, const py::args& args, const py::kwargs& kwargs,
                Make&& make) {
  PyObject* a[kMaxFastParams];
  if (!signature.parse_tuple(args, kwargs, a)) throw py::error_already_set();
  return make(a);
}

}  // namespace

void register_fernet(py::module_& m) {
  // Signatures come from the first docstring line, as for every function (fastcall.hpp).
  py::options options;
  options.disable_function_signatures();

  py::class_<FernetKey> fernet(m, "Fernet", R"doc(Symmetric authenticated encryption, a drop-in for ``cryptography.fernet.Fernet``.

Tokens are byte-compatible with cryptography's (Fernet spec: version 0x80, timestamp,
random IV, AES-128-CBC with PKCS#7 padding, HMAC-SHA256). Safe to share between threads.
Raises InvalidToken (ExpiredToken when only the TTL check fails) instead of
cryptography's InvalidToken.)doc");
  fernet.def(py::init([](const py::args& args, const py::kwargs& kwargs) {
               static const FastSignature signature("Fernet", {"key", "backend"}, 2, 1);
               return parse_init(signature, args, kwargs, [](PyObject** a) {
                 const BufferArg key(a[0], "key", kBytesOrStr);
                 return FernetKey(key.view());
               });
             }),
             R"doc(__init__(self, key: bytes | str, backend: typing.Any = None) -> None

Create a Fernet from ``key``: url-safe base64 (bytes or str) of 32 random bytes.

Surrounding whitespace is ignored. Anything else raises ValueError ("Fernet key must be
32 url-safe base64-encoded bytes."); a non-bytes/str key raises TypeError. ``backend``
is ignored, as in cryptography.)doc");
  fernet.def_static(
      "generate_key",
      [] {
        std::string key = FernetKey::generate();
        py::bytes result = token_bytes(key);
        secure_wipe(key);
        return result;
      },
      R"doc(generate_key() -> bytes

Return a fresh random key (32 bytes from the CSPRNG) as url-safe base64 bytes.

Keep it secret: anyone holding it can read and forge tokens.)doc");
  def_fast_method(fernet, {"encrypt", {"self", "data"}, 2, 2,
                           R"doc(encrypt(self, data: bytes) -> bytes

Return the token (url-safe base64 bytes) of ``data`` stamped with the current time.

``data`` must be bytes; anything else raises TypeError.)doc",
                           &encrypt_body<FernetKey>});
  def_fast_method(fernet, {"encrypt_at_time", {"self", "data", "current_time"}, 3, 3,
                           R"doc(encrypt_at_time(self, data: bytes, current_time: int) -> bytes

Return the token of ``data`` stamped with ``current_time`` (int Unix seconds).

A negative time raises ValueError.)doc",
                           &encrypt_at_time_body<FernetKey>});
  def_fast_method(fernet, {"decrypt", {"self", "token", "ttl"}, 3, 2,
                           R"doc(decrypt(self, token: bytes | str, ttl: int | None = None) -> bytes

Return the plaintext of ``token`` (bytes or str).

Raises InvalidToken when the token is malformed, tampered with or made with another key.
Only when ``ttl`` (seconds) is given is its age checked: ExpiredToken when it is older
than ``ttl`` or stamped more than 60 seconds in the future.)doc",
                           &decrypt_body<FernetKey>});
  def_fast_method(fernet, {"decrypt_at_time", {"self", "token", "ttl", "current_time"}, 4, 4,
                           R"doc(decrypt_at_time(self, token: bytes | str, ttl: int, current_time: int) -> bytes

decrypt with the age checked against ``current_time`` instead of the clock.

``ttl`` must not be None (ValueError), as in cryptography.)doc",
                           &decrypt_at_time_body<FernetKey>});
  def_fast_method(fernet, {"extract_timestamp", {"self", "token"}, 2, 2,
                           R"doc(extract_timestamp(self, token: bytes | str) -> int

Return the timestamp (int Unix seconds) of an authentic ``token``, without a TTL check.

Raises InvalidToken when the token is malformed or its signature does not verify.)doc",
                           &extract_timestamp_body<FernetKey>});

  py::class_<FernetKeyRing> multi(m, "MultiFernet", R"doc(Key rotation, a drop-in for ``cryptography.fernet.MultiFernet``.

Encrypts with the first Fernet and decrypts with any of them, so a new key can be put
first while tokens made with the old ones stay readable. Safe to share between threads.)doc");
  multi.def(py::init([](const py::args& args, const py::kwargs& kwargs) {
              static const FastSignature signature("MultiFernet", {"fernets"}, 1, 1);
              return parse_init(signature, args, kwargs, [](PyObject** a) {
                return FernetKeyRing(fernet_list(a[0]));
              });
            }),
            R"doc(__init__(self, fernets: typing.Iterable[Fernet]) -> None

Create a MultiFernet from an iterable of Fernet instances, the encrypting key first.

An empty iterable raises ValueError; an item that is not a django_totp_native Fernet
raises TypeError.)doc");
  def_fast_method(multi, {"encrypt", {"self", "msg"}, 2, 2,
                          R"doc(encrypt(self, msg: bytes) -> bytes

Return the token of ``msg`` (bytes) under the first key, stamped with the current time.)doc",
                          &encrypt_body<FernetKeyRing>});
  def_fast_method(multi, {"encrypt_at_time", {"self", "msg", "current_time"}, 3, 3,
                          R"doc(encrypt_at_time(self, msg: bytes, current_time: int) -> bytes

Return the token of ``msg`` under the first key, stamped with ``current_time``.)doc",
                          &encrypt_at_time_body<FernetKeyRing>});
  def_fast_method(multi, {"decrypt", {"self", "msg", "ttl"}, 3, 2,
                          R"doc(decrypt(self, msg: bytes | str, ttl: int | None = None) -> bytes

Return the plaintext of ``msg`` (bytes or str), trying each key in order.

Raises InvalidToken when no key decrypts it, ExpiredToken when a key authenticates it
but ``ttl`` is given and the token is outside its window.)doc",
                          &decrypt_body<FernetKeyRing>});
  def_fast_method(multi, {"decrypt_at_time", {"self", "msg", "ttl", "current_time"}, 4, 4,
                          R"doc(decrypt_at_time(self, msg: bytes | str, ttl: int, current_time: int) -> bytes

decrypt with the age checked against ``current_time`` instead of the clock.)doc",
                          &decrypt_at_time_body<FernetKeyRing>});
  def_fast_method(multi, {"rotate", {"self", "msg"}, 2, 2,
                          R"doc(rotate(self, msg: bytes | str) -> bytes

Return ``msg`` re-encrypted under the first key, keeping its original timestamp.

No TTL check. Raises InvalidToken when no key decrypts it.)doc",
                          &rotate_body});
  def_fast_method(multi, {"extract_timestamp", {"self", "msg"}, 2, 2,
                          R"doc(extract_timestamp(self, msg: bytes | str) -> int

Return the timestamp of ``msg`` when any key authenticates it; InvalidToken otherwise.)doc",
                          &extract_timestamp_body<FernetKeyRing>});
}

}  // namespace totp_native::bindings
