// Fernet and MultiFernet with cryptography.fernet's Python API over the core's FernetKey
// and FernetKeyRing (which totp_match_sealed takes directly). Argument conversion only.
#include <optional>
#include <string>
#include <vector>

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

std::int64_t explicit_seconds(const py::object& value, const char* what) {
  if (value.is_none()) {
    throw py::type_error(std::string(what) + " must be an int (Unix seconds), not None");
  }
  return whole_seconds(value, what);
}

std::optional<std::int64_t> optional_ttl(const py::object& ttl) {
  if (ttl.is_none()) return std::nullopt;
  return whole_seconds(ttl, "ttl");
}

std::int64_t required_ttl(const py::object& ttl) {
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

std::vector<FernetKey> fernet_list(const py::object& fernets) {
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

}  // namespace

void register_fernet(py::module_& m) {
  py::class_<FernetKey>(m, "Fernet", R"doc(Symmetric authenticated encryption, a drop-in for ``cryptography.fernet.Fernet``.

Tokens are byte-compatible with cryptography's (Fernet spec: version 0x80, timestamp,
random IV, AES-128-CBC with PKCS#7 padding, HMAC-SHA256). Safe to share between threads.
Raises InvalidToken (ExpiredToken when only the TTL check fails) instead of
cryptography's InvalidToken.)doc")
      .def(py::init([](const py::object& key, const py::object& /*backend*/) {
             return FernetKey(bytes_or_str_view(key, "key"));
           }),
           py::arg("key"), py::arg("backend") = py::none(),
           R"doc(Create a Fernet from ``key``: url-safe base64 (bytes or str) of 32 random bytes.

Surrounding whitespace is ignored. Anything else raises ValueError ("Fernet key must be
32 url-safe base64-encoded bytes."); a non-bytes/str key raises TypeError. ``backend``
is ignored, as in cryptography.)doc")
      .def_static(
          "generate_key",
          [] {
            std::string key = FernetKey::generate();
            py::bytes result = token_bytes(key);
            secure_wipe(key);
            return result;
          },
          R"doc(Return a fresh random key (32 bytes from the CSPRNG) as url-safe base64 bytes.

Keep it secret: anyone holding it can read and forge tokens.)doc")
      .def(
          "encrypt",
          [](const FernetKey& self, const py::object& data) {
            return token_bytes(self.encrypt(as_bytes(bytes_view(data, "data")), now_seconds()));
          },
          py::arg("data"),
          R"doc(Return the token (url-safe base64 bytes) of ``data`` stamped with the current time.

``data`` must be bytes; anything else raises TypeError.)doc")
      .def(
          "encrypt_at_time",
          [](const FernetKey& self, const py::object& data, const py::object& current_time) {
            return token_bytes(self.encrypt(as_bytes(bytes_view(data, "data")),
                                            explicit_seconds(current_time, "current_time")));
          },
          py::arg("data"), py::arg("current_time"),
          R"doc(Return the token of ``data`` stamped with ``current_time`` (int Unix seconds).

A negative time raises ValueError.)doc")
      .def(
          "decrypt",
          [](const FernetKey& self, const py::object& token, const py::object& ttl) {
            const std::optional<std::int64_t> max_age = optional_ttl(ttl);
            const SecureBuffer plaintext = self.decrypt(bytes_or_str_view(token, "token"),
                                                        max_age, max_age ? now_seconds() : 0);
            return plaintext_bytes(plaintext);
          },
          py::arg("token"), py::arg("ttl") = py::none(),
          R"doc(Return the plaintext of ``token`` (bytes or str).

Raises InvalidToken when the token is malformed, tampered with or made with another key.
Only when ``ttl`` (seconds) is given is its age checked: ExpiredToken when it is older
than ``ttl`` or stamped more than 60 seconds in the future.)doc")
      .def(
          "decrypt_at_time",
          [](const FernetKey& self, const py::object& token, const py::object& ttl,
             const py::object& current_time) {
            const std::int64_t max_age = required_ttl(ttl);
            const std::int64_t now = explicit_seconds(current_time, "current_time");
            const SecureBuffer plaintext =
                self.decrypt(bytes_or_str_view(token, "token"), max_age, now);
            return plaintext_bytes(plaintext);
          },
          py::arg("token"), py::arg("ttl"), py::arg("current_time"),
          R"doc(decrypt with the age checked against ``current_time`` instead of the clock.

``ttl`` must not be None (ValueError), as in cryptography.)doc")
      .def(
          "extract_timestamp",
          [](const FernetKey& self, const py::object& token) {
            return self.extract_timestamp(bytes_or_str_view(token, "token"));
          },
          py::arg("token"),
          R"doc(Return the timestamp (int Unix seconds) of an authentic ``token``, without a TTL check.

Raises InvalidToken when the token is malformed or its signature does not verify.)doc");

  py::class_<FernetKeyRing>(m, "MultiFernet", R"doc(Key rotation, a drop-in for ``cryptography.fernet.MultiFernet``.

Encrypts with the first Fernet and decrypts with any of them, so a new key can be put
first while tokens made with the old ones stay readable. Safe to share between threads.)doc")
      .def(py::init([](const py::object& fernets) { return FernetKeyRing(fernet_list(fernets)); }),
           py::arg("fernets"),
           R"doc(Create a MultiFernet from an iterable of Fernet instances, the encrypting key first.

An empty iterable raises ValueError; an item that is not a django_totp_native Fernet
raises TypeError.)doc")
      .def(
          "encrypt",
          [](const FernetKeyRing& self, const py::object& msg) {
            return token_bytes(self.encrypt(as_bytes(bytes_view(msg, "data")), now_seconds()));
          },
          py::arg("msg"),
          R"doc(Return the token of ``msg`` (bytes) under the first key, stamped with the current time.)doc")
      .def(
          "encrypt_at_time",
          [](const FernetKeyRing& self, const py::object& msg, const py::object& current_time) {
            return token_bytes(self.encrypt(as_bytes(bytes_view(msg, "data")),
                                            explicit_seconds(current_time, "current_time")));
          },
          py::arg("msg"), py::arg("current_time"),
          R"doc(Return the token of ``msg`` under the first key, stamped with ``current_time``.)doc")
      .def(
          "decrypt",
          [](const FernetKeyRing& self, const py::object& msg, const py::object& ttl) {
            const std::optional<std::int64_t> max_age = optional_ttl(ttl);
            const SecureBuffer plaintext = self.decrypt(bytes_or_str_view(msg, "token"), max_age,
                                                        max_age ? now_seconds() : 0);
            return plaintext_bytes(plaintext);
          },
          py::arg("msg"), py::arg("ttl") = py::none(),
          R"doc(Return the plaintext of ``msg`` (bytes or str), trying each key in order.

Raises InvalidToken when no key decrypts it, ExpiredToken when a key authenticates it
but ``ttl`` is given and the token is outside its window.)doc")
      .def(
          "decrypt_at_time",
          [](const FernetKeyRing& self, const py::object& msg, const py::object& ttl,
             const py::object& current_time) {
            const std::int64_t max_age = required_ttl(ttl);
            const std::int64_t now = explicit_seconds(current_time, "current_time");
            const SecureBuffer plaintext =
                self.decrypt(bytes_or_str_view(msg, "token"), max_age, now);
            return plaintext_bytes(plaintext);
          },
          py::arg("msg"), py::arg("ttl"), py::arg("current_time"),
          R"doc(decrypt with the age checked against ``current_time`` instead of the clock.)doc")
      .def(
          "rotate",
          [](const FernetKeyRing& self, const py::object& msg) {
            return token_bytes(self.rotate(bytes_or_str_view(msg, "token")));
          },
          py::arg("msg"),
          R"doc(Return ``msg`` re-encrypted under the first key, keeping its original timestamp.

No TTL check. Raises InvalidToken when no key decrypts it.)doc")
      .def(
          "extract_timestamp",
          [](const FernetKeyRing& self, const py::object& msg) {
            return self.extract_timestamp(bytes_or_str_view(msg, "token"));
          },
          py::arg("msg"),
          R"doc(Return the timestamp of ``msg`` when any key authenticates it; InvalidToken otherwise.)doc");
}

}  // namespace totp_native::bindings
