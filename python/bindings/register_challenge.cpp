// sign_challenge, verify_challenge.
#include <limits>

#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/challenge.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

namespace {

py::object sign_challenge_body(PyObject** a) {
  const std::string subject = arg_text(a[1], "subject");
  const std::string purpose = arg_text(a[2], "purpose");
  const std::int64_t issued_at = whole_seconds(a[3] ? a[3] : Py_None, "issued_at");
  // Buffers last: time.time() may be patched Python code (registers.hpp).
  const BufferArg key(a[0], "key", kBytesOrStr);
  return py::str(sign_challenge(key.bytes(), subject, purpose, issued_at));
}

py::object verify_challenge_body(PyObject** a) {
  const std::string purpose = arg_text(a[2], "purpose");
  const auto max_age = arg_int64(a[3], "max_age", std::numeric_limits<std::int64_t>::min(),
                                 std::numeric_limits<std::int64_t>::max());
  const std::int64_t now = whole_seconds(a[4] ? a[4] : Py_None, "now");
  if (!PyUnicode_Check(a[1]) && !PyBytes_Check(a[1])) throw py::type_error("token must be str or bytes");
  const BufferArg key(a[0], "key", kBytesOrStr);
  const BufferArg token(a[1], "token", kBytesOrStr);
  const ChallengeClaims claims = verify_challenge(key.bytes(), token.view(), purpose, max_age, now);
  return py::make_tuple(claims.subject, claims.issued_at, claims.nonce_hex);
}

}  // namespace

void register_challenge(py::module_& m) {
  def_fast(m, {"sign_challenge", {"key", "subject", "purpose", "issued_at"}, 4, 3,
               R"doc(sign_challenge(key: bytes | str, subject: str, purpose: str, issued_at: int | None = None) -> str

Return a compact URL-safe challenge token for ``subject`` and ``purpose``.

The token carries a version, ``subject`` (e.g. a user pk as text, 1-255 bytes),
``issued_at`` (Unix seconds, default now) and a random 128-bit nonce, authenticated with
HMAC-SHA256 under ``key`` (bytes or str). The purpose is authenticated, not carried.)doc",
               &sign_challenge_body});

  def_fast(m, {"verify_challenge", {"key", "token", "purpose", "max_age", "now"}, 5, 4,
               R"doc(verify_challenge(key: bytes | str, token: bytes | str, purpose: str, max_age: int, now: int | None = None) -> tuple[str, int, str]

Return ``(subject, issued_at, nonce_hex)`` of a genuine ``token``.

Raises InvalidToken for a malformed or forged token, or one made for another purpose or
under another key; ExpiredToken when older than ``max_age`` seconds or issued more than
60 seconds in the future. The caller burns ``nonce_hex`` to make the token single-use.)doc",
               &verify_challenge_body});
}

}  // namespace totp_native::bindings
