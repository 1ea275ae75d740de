#include "registers.hpp"
#include "totp_native/challenge.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

void register_challenge(py::module_& m) {
  m.def(
      "sign_challenge",
      [](const PyBytesOrStr& key, const PyStr& subject, const PyStr& purpose,
         const PyOptInt& issued_at) {
        const std::string subject_text = arg_text(subject, "subject");
        const std::string purpose_text = arg_text(purpose, "purpose");
        return sign_challenge(as_bytes(bytes_or_str_view(key, "key")), subject_text, purpose_text,
                              whole_seconds(issued_at, "issued_at"));
      },
      py::arg("key"), py::arg("subject"), py::arg("purpose"), py::arg("issued_at") = py::none(),
      R"doc(Return a compact URL-safe challenge token for ``subject`` and ``purpose``.

The token carries a version, ``subject`` (e.g. a user pk as text, 1-255 bytes),
``issued_at`` (Unix seconds, default now) and a random 128-bit nonce, authenticated with
HMAC-SHA256 under ``key`` (bytes or str). The purpose is authenticated, not carried.)doc");

  m.def(
      "verify_challenge",
      [](const PyBytesOrStr& key, const PyBytesOrStr& token, const PyStr& purpose_arg,
         const PyInt& max_age_arg, const PyOptInt& now) {
        const std::string purpose = arg_text(purpose_arg, "purpose");
        const auto max_age = arg_int64(max_age_arg, "max_age", INT64_MIN, INT64_MAX);
        // A token of the wrong type is an invalid token, as any other malformed one.
        if (!PyUnicode_Check(token.ptr()) && !PyBytes_Check(token.ptr())) {
          throw py::type_error("token must be str or bytes");
        }
        const ChallengeClaims claims = verify_challenge(
            as_bytes(bytes_or_str_view(key, "key")), bytes_or_str_view(token, "token"),
            purpose, max_age, whole_seconds(now, "now"));
        return py::make_tuple(claims.subject, claims.issued_at, claims.nonce_hex);
      },
      py::arg("key"), py::arg("token"), py::arg("purpose"), py::arg("max_age"),
      py::arg("now") = py::none(),
      R"doc(Return ``(subject, issued_at, nonce_hex)`` of a genuine ``token``.

Raises InvalidToken for a malformed or forged token, or one made for another purpose or
under another key; ExpiredToken when older than ``max_age`` seconds or issued more than
60 seconds in the future. The caller burns ``nonce_hex`` to make the token single-use.)doc");
}

}  // namespace totp_native::bindings
