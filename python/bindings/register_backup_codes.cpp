// generate_backup_codes, normalize_backup_code, backup_code_digest,
// backup_code_digest_sealed.
#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/backup_codes.hpp"
#include "totp_native/sealed.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

namespace {

// code_arg views a str argument (immutable: the view needs no pin).
std::string_view code_arg(PyObject* code) {
  if (!PyUnicode_Check(code)) throw py::type_error("code must be str");
  return str_utf8(code, "code");
}

py::object generate_backup_codes_body(PyObject** a) {
  const int count = a[0] ? arg_int(a[0], "count") : 10;
  const int length = a[1] ? arg_int(a[1], "length") : 12;
  const int group = a[2] ? arg_int(a[2], "group") : 4;
  py::list out;
  for (const std::string& code : generate_backup_codes(count, length, group)) out.append(py::str(code));
  return std::move(out);
}

py::object normalize_backup_code_body(PyObject** a) {
  return py::str(normalize_backup_code(code_arg(a[0])));
}

py::object backup_code_digest_body(PyObject** a) {
  const std::string_view code = code_arg(a[1]);
  const BufferArg key(a[0], "key", kBytesOrStr);
  return py::str(backup_code_digest(key.bytes(), code));
}

py::object backup_code_digest_sealed_body(PyObject** a) {
  const FernetKeyRing keys = arg_key_ring(a[0], "fernet");
  const std::string_view code = code_arg(a[2]);
  const BufferArg sealed_key(a[1], "sealed_key", kBytesOrStr);
  return py::str(backup_code_digest_sealed(keys, sealed_key.view(), code));
}

}  // namespace

void register_backup_codes(py::module_& m) {
  def_fast(m, {"generate_backup_codes", {"count", "length", "group"}, 3, 0,
               R"doc(generate_backup_codes(count: int = 10, length: int = 12, group: int = 4) -> list[str]

Return ``count`` distinct random backup codes such as ``"7K3M-Q9XD-2HPA"``.

``length`` symbols from Crockford's base32 alphabet (no I, L, O, U), grouped by
``group`` with '-' (0: no separators). Show them to the user once; store only
backup_code_digest of each.)doc",
               &generate_backup_codes_body});

  def_fast(m, {"normalize_backup_code", {"code"}, 1, 1,
               R"doc(normalize_backup_code(code: str) -> str

Return the canonical form of a typed backup code.

NFKC, whitespace and '-' dropped, upper-cased, O read as 0 and I/L as 1. Raises
ValueError when empty, longer than 128 characters, or containing a character that
cannot be part of a backup code.)doc",
               &normalize_backup_code_body});

  def_fast(m, {"backup_code_digest", {"key", "code"}, 2, 2,
               R"doc(backup_code_digest(key: bytes | str, code: str) -> str

Return the hex HMAC-SHA256 under ``key`` of the normalised ``code``.

This is what is stored instead of the code. Raises as normalize_backup_code.)doc",
               &backup_code_digest_body});

  def_fast(m, {"backup_code_digest_sealed", {"fernet", "sealed_key", "code"}, 3, 3,
               R"doc(backup_code_digest_sealed(fernet: Fernet | MultiFernet, sealed_key: bytes | str, code: str) -> str

backup_code_digest against a Fernet-sealed digest key, in one native call.

``fernet`` is a Fernet or MultiFernet; ``sealed_key`` the token of the device's raw
digest key (``Totp.backup_key``). Equal to ``backup_code_digest(fernet.decrypt(
sealed_key), code)``, but the key never becomes a Python object and is wiped. ``code``
is normalised first: input that cannot be a backup code raises ValueError (as
normalize_backup_code) without the key being opened. Raises InvalidToken when no key
decrypts ``sealed_key`` or it holds an empty key.)doc",
               &backup_code_digest_sealed_body});
}

}  // namespace totp_native::bindings
