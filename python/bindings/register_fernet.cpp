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
    keys.push_back(initialised_cast<FernetKey>(item, "Fernet"));
  }
  return keys;
}

// Method bodies shared by Fernet (FernetKey) and MultiFernet (FernetKeyRing): the two
// have the same operations; only cryptography's parameter names differ (payload below).

template <typename Keys>
const Keys& self_of(PyObject* self) {
  if (!py::isinstance<Keys>(self)) {
    throw py::type_error("the method was called on an object that is not a " +
                         std::string(std::is_same_v<Keys, FernetKey> ? "Fernet" : "MultiFernet"));
  }
  return initialised_cast<Keys>(self, std::is_same_v<Keys, FernetKey> ? "Fernet" : "MultiFernet");
}

// payload names the data or token parameter as cryptography does: Fernet's own name
// (data or token), MultiFernet's msg.
template <typename Keys>
consteval const char* payload(const char* fernet_name) {
  return std::is_same_v<Keys, FernetKey> ? fernet_name : "msg";
}

// Each body converts the times first and views the data or token last (registers.hpp):
// time.time() can be patched Python code.

template <typename Keys, const auto& Params>
py::object encrypt_body(FastArgs<Params> a) {
  const std::int64_t now = now_seconds();
  const Keys& keys = self_of<Keys>(a["self"]);
  const BufferArg data(a[payload<Keys>("data")], "data", kBytesOnly);
  return token_bytes(keys.encrypt(data.bytes(), now));
}

template <typename Keys, const auto& Params>
py::object encrypt_at_time_body(FastArgs<Params> a) {
  const std::int64_t now = explicit_seconds(a["current_time"], "current_time");
  const Keys& keys = self_of<Keys>(a["self"]);
  const BufferArg data(a[payload<Keys>("data")], "data", kBytesOnly);
  return token_bytes(keys.encrypt(data.bytes(), now));
}

template <typename Keys, const auto& Params>
py::object decrypt_body(FastArgs<Params> a) {
  const std::optional<std::int64_t> max_age = optional_ttl(a["ttl"]);
  const std::int64_t now = max_age ? now_seconds() : 0;
  const Keys& keys = self_of<Keys>(a["self"]);
  const BufferArg token(a[payload<Keys>("token")], "token", kBytesOrStr);
  const SecureBuffer plaintext = keys.decrypt(token.view(), max_age, now);
  return plaintext_bytes(plaintext);
}

template <typename Keys, const auto& Params>
py::object decrypt_at_time_body(FastArgs<Params> a) {
  const std::int64_t max_age = required_ttl(a["ttl"]);
  const std::int64_t now = explicit_seconds(a["current_time"], "current_time");
  const Keys& keys = self_of<Keys>(a["self"]);
  const BufferArg token(a[payload<Keys>("token")], "token", kBytesOrStr);
  const SecureBuffer plaintext = keys.decrypt(token.view(), max_age, now);
  return plaintext_bytes(plaintext);
}

template <typename Keys, const auto& Params>
py::object extract_timestamp_body(FastArgs<Params> a) {
  const Keys& keys = self_of<Keys>(a["self"]);
  const BufferArg token(a[payload<Keys>("token")], "token", kBytesOrStr);
  return py::int_(keys.extract_timestamp(token.view()));
}

// Fernet's parameter lists, after cryptography.fernet.Fernet.
constexpr FastParam kFernetInit[] = {{"key", "bytes | str"}, {"backend", "typing.Any", "None"}};
constexpr FastParam kFernetEncrypt[] = {kSelf, {"data", "bytes"}};
constexpr FastParam kFernetEncryptAtTime[] = {kSelf, {"data", "bytes"}, {"current_time", "int"}};
constexpr FastParam kFernetDecrypt[] = {kSelf, {"token", "bytes | str"}, {"ttl", "int | None", "None"}};
constexpr FastParam kFernetDecryptAtTime[] = {
    kSelf, {"token", "bytes | str"}, {"ttl", "int"}, {"current_time", "int"}};
constexpr FastParam kFernetExtractTimestamp[] = {kSelf, {"token", "bytes | str"}};

// MultiFernet's, after cryptography.fernet.MultiFernet: the payload is msg throughout.
constexpr FastParam kMultiInit[] = {{"fernets", "typing.Iterable[Fernet]"}};
constexpr FastParam kMultiEncrypt[] = {kSelf, {"msg", "bytes"}};
constexpr FastParam kMultiEncryptAtTime[] = {kSelf, {"msg", "bytes"}, {"current_time", "int"}};
constexpr FastParam kMultiDecrypt[] = {kSelf, {"msg", "bytes | str"}, {"ttl", "int | None", "None"}};
constexpr FastParam kMultiDecryptAtTime[] = {
    kSelf, {"msg", "bytes | str"}, {"ttl", "int"}, {"current_time", "int"}};
constexpr FastParam kMultiRotate[] = {kSelf, {"msg", "bytes | str"}};
constexpr FastParam kMultiExtractTimestamp[] = {kSelf, {"msg", "bytes | str"}};

FernetKey make_fernet(FastArgs<kFernetInit> a) {
  const BufferArg key(a["key"], "key", kBytesOrStr);
  return FernetKey(key.view());
}

FernetKeyRing make_multi_fernet(FastArgs<kMultiInit> a) { return FernetKeyRing(fernet_list(a["fernets"])); }

py::object rotate_body(FastArgs<kMultiRotate> a) {
  const FernetKeyRing& keys = self_of<FernetKeyRing>(a["self"]);
  const BufferArg token(a["msg"], "token", kBytesOrStr);
  return token_bytes(keys.rotate(token.view()));
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
  def_fast_init<make_fernet>(
      fernet,
      R"doc(Create a Fernet from ``key``: url-safe base64 (bytes or str) of 32 random bytes.

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
      signature_doc("generate_key", {}, "bytes",
                    R"doc(Return a fresh random key (32 bytes from the CSPRNG) as url-safe base64 bytes.

Keep it secret: anyone holding it can read and forge tokens.)doc")
          .c_str());
  def_fast_method<encrypt_body<FernetKey, kFernetEncrypt>>(
      fernet, "encrypt", "bytes",
      R"doc(Return the token (url-safe base64 bytes) of ``data`` stamped with the current time.

``data`` must be bytes; anything else raises TypeError.)doc");
  def_fast_method<encrypt_at_time_body<FernetKey, kFernetEncryptAtTime>>(
      fernet, "encrypt_at_time", "bytes",
      R"doc(Return the token of ``data`` stamped with ``current_time`` (int Unix seconds).

A negative time raises ValueError.)doc");
  def_fast_method<decrypt_body<FernetKey, kFernetDecrypt>>(
      fernet, "decrypt", "bytes",
      R"doc(Return the plaintext of ``token`` (bytes or str).

Raises InvalidToken when the token is malformed, tampered with or made with another key.
Only when ``ttl`` (seconds) is given is its age checked: ExpiredToken when it is older
than ``ttl`` or stamped more than 60 seconds in the future.)doc");
  def_fast_method<decrypt_at_time_body<FernetKey, kFernetDecryptAtTime>>(
      fernet, "decrypt_at_time", "bytes",
      R"doc(decrypt with the age checked against ``current_time`` instead of the clock.

``ttl`` must not be None (ValueError), as in cryptography.)doc");
  def_fast_method<extract_timestamp_body<FernetKey, kFernetExtractTimestamp>>(
      fernet, "extract_timestamp", "int",
      R"doc(Return the timestamp (int Unix seconds) of an authentic ``token``, without a TTL check.

Raises InvalidToken when the token is malformed or its signature does not verify.)doc");

  py::class_<FernetKeyRing> multi(m, "MultiFernet", R"doc(Key rotation, a drop-in for ``cryptography.fernet.MultiFernet``.

Encrypts with the first Fernet and decrypts with any of them, so a new key can be put
first while tokens made with the old ones stay readable. Safe to share between threads.)doc");
  def_fast_init<make_multi_fernet>(
      multi,
      R"doc(Create a MultiFernet from an iterable of Fernet instances, the encrypting key first.

An empty iterable raises ValueError; an item that is not a django_totp_native Fernet
raises TypeError.)doc");
  def_fast_method<encrypt_body<FernetKeyRing, kMultiEncrypt>>(
      multi, "encrypt", "bytes",
      R"doc(Return the token of ``msg`` (bytes) under the first key, stamped with the current time.)doc");
  def_fast_method<encrypt_at_time_body<FernetKeyRing, kMultiEncryptAtTime>>(
      multi, "encrypt_at_time", "bytes",
      R"doc(Return the token of ``msg`` under the first key, stamped with ``current_time``.)doc");
  def_fast_method<decrypt_body<FernetKeyRing, kMultiDecrypt>>(
      multi, "decrypt", "bytes",
      R"doc(Return the plaintext of ``msg`` (bytes or str), trying each key in order.

Raises InvalidToken when no key decrypts it, ExpiredToken when a key authenticates it
but ``ttl`` is given and the token is outside its window.)doc");
  def_fast_method<decrypt_at_time_body<FernetKeyRing, kMultiDecryptAtTime>>(
      multi, "decrypt_at_time", "bytes",
      R"doc(decrypt with the age checked against ``current_time`` instead of the clock.)doc");
  def_fast_method<rotate_body>(
      multi, "rotate", "bytes",
      R"doc(Return ``msg`` re-encrypted under the first key, keeping its original timestamp.

No TTL check. Raises InvalidToken when no key decrypts it.)doc");
  def_fast_method<extract_timestamp_body<FernetKeyRing, kMultiExtractTimestamp>>(
      multi, "extract_timestamp", "int",
      R"doc(Return the timestamp of ``msg`` when any key authenticates it; InvalidToken otherwise.)doc");
}

}  // namespace totp_native::bindings
