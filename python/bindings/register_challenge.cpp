// sign_challenge, verify_challenge.
#include <limits>

#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/challenge.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

namespace {

constexpr FastParam kSignChallenge[] = {
    {"key", "bytes | str"},
    {"subject", "str"},
    {"purpose", "str"},
    {"issued_at", "int | None", "None"},
};

py::object sign_challenge_body(FastArgs<kSignChallenge> a) {
  const std::string subject = arg_text(a["subject"], "subject");
  const std::string purpose = arg_text(a["purpose"], "purpose");
  PyObject* const issued_at_arg = a["issued_at"] ? a["issued_at"] : Py_None;
  const std::int64_t issued_at = whole_seconds(issued_at_arg, "issued_at");
  // Buffers last: time.time() may be patched Python code (registers.hpp).
  const BufferArg key(a["key"], "key", kBytesOrStr);
  return py::str(sign_challenge(key.bytes(), subject, purpose, issued_at));
}

constexpr FastParam kVerifyChallenge[] = {
    {"key", "bytes | str"},
    {"token", "bytes | str"},
    {"purpose", "str"},
    {"max_age", "int"},
    {"now", "int | None", "None"},
};

py::object verify_challenge_body(FastArgs<kVerifyChallenge> a) {
  const std::string purpose = arg_text(a["purpose"], "purpose");
  const auto max_age = arg_int64(a["max_age"], "max_age", std::numeric_limits<std::int64_t>::min(),
                                 std::numeric_limits<std::int64_t>::max());
  const std::int64_t now = whole_seconds(a["now"] ? a["now"] : Py_None, "now");
  if (!PyUnicode_Check(a["token"]) && !PyBytes_Check(a["token"])) {
    throw py::type_error("token must be str or bytes");
  }
  const BufferArg key(a["key"], "key", kBytesOrStr);
  const BufferArg token(a["token"], "token", kBytesOrStr);
  const ChallengeClaims claims = verify_challenge(key.bytes(), token.view(), purpose, max_age, now);
  return py::make_tuple(claims.subject, claims.issued_at, claims.nonce_hex);
}

}  // namespace

void register_challenge(py::module_& m) {
  def_fast<sign_challenge_body>(
      m, "sign_challenge", "str",
      R"doc(Return a compact URL-safe challenge token for ``subject`` and ``purpose``.

The token carries a version, ``subject`` (e.g. a user pk as text, 1-255 bytes),
``issued_at`` (Unix seconds, default now) and a random 128-bit nonce, authenticated with
HMAC-SHA256 under ``key`` (bytes or str). The purpose is authenticated, not carried.)doc");

  def_fast<verify_challenge_body>(
      m, "verify_challenge", "tuple[str, int, str]",
      R"doc(Return ``(subject, issued_at, nonce_hex)`` of a genuine ``token``.

Raises InvalidToken for a malformed or forged token, or one made for another purpose or
under another key; ExpiredToken when older than ``max_age`` seconds or issued more than
60 seconds in the future. The caller burns ``nonce_hex`` to make the token single-use.)doc");
}

}  // namespace totp_native::bindings
