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

constexpr FastParam kGenerateBackupCodes[] = {
    {"count", "int", "10"},
    {"length", "int", "12"},
    {"group", "int", "4"},
};

py::object generate_backup_codes_body(FastArgs<kGenerateBackupCodes> a) {
  const int count = a["count"] ? arg_int(a["count"], "count") : 10;
  const int length = a["length"] ? arg_int(a["length"], "length") : 12;
  const int group = a["group"] ? arg_int(a["group"], "group") : 4;
  py::list out;
  for (const std::string& code : generate_backup_codes(count, length, group)) out.append(py::str(code));
  return out;
}

constexpr FastParam kNormalizeBackupCode[] = {{"code", "str"}};

py::object normalize_backup_code_body(FastArgs<kNormalizeBackupCode> a) {
  return py::str(normalize_backup_code(code_arg(a["code"])));
}

constexpr FastParam kBackupCodeDigest[] = {{"key", "bytes | str"}, {"code", "str"}};

py::object backup_code_digest_body(FastArgs<kBackupCodeDigest> a) {
  const std::string_view code = code_arg(a["code"]);
  const BufferArg key(a["key"], "key", kBytesOrStr);
  return py::str(backup_code_digest(key.bytes(), code));
}

constexpr FastParam kBackupCodeDigestSealed[] = {
    {"fernet", "Fernet | MultiFernet"},
    {"sealed_key", "bytes | str"},
    {"code", "str"},
};

py::object backup_code_digest_sealed_body(FastArgs<kBackupCodeDigestSealed> a) {
  const FernetKeyRing keys = arg_key_ring(a["fernet"], "fernet");
  const std::string_view code = code_arg(a["code"]);
  const BufferArg sealed_key(a["sealed_key"], "sealed_key", kBytesOrStr);
  return py::str(backup_code_digest_sealed(keys, sealed_key.view(), code));
}

}  // namespace

void register_backup_codes(py::module_& m) {
  def_fast<generate_backup_codes_body>(
      m, "generate_backup_codes", "list[str]",
      R"doc(Return ``count`` distinct random backup codes such as ``"7K3M-Q9XD-2HPA"``.

``length`` symbols from Crockford's base32 alphabet (no I, L, O, U), grouped by
``group`` with '-' (0: no separators). Show them to the user once; store only
backup_code_digest of each.)doc");

  def_fast<normalize_backup_code_body>(
      m, "normalize_backup_code", "str",
      R"doc(Return the canonical form of a typed backup code.

NFKC, whitespace and '-' dropped, upper-cased, O read as 0 and I/L as 1. Raises
ValueError when empty, longer than 128 characters, or containing a character that
cannot be part of a backup code.)doc");

  def_fast<backup_code_digest_body>(
      m, "backup_code_digest", "str",
      R"doc(Return the hex HMAC-SHA256 under ``key`` of the normalised ``code``.

This is what is stored instead of the code. Raises as normalize_backup_code.)doc");

  def_fast<backup_code_digest_sealed_body>(
      m, "backup_code_digest_sealed", "str",
      R"doc(backup_code_digest against a Fernet-sealed digest key, in one native call.

``fernet`` is a Fernet or MultiFernet; ``sealed_key`` the token of the device's raw
digest key (``Totp.backup_key``). Equal to ``backup_code_digest(fernet.decrypt(
sealed_key), code)``, but the key never becomes a Python object and is wiped. ``code``
is normalised first: input that cannot be a backup code raises ValueError (as
normalize_backup_code) without the key being opened. Raises InvalidToken when no key
decrypts ``sealed_key`` or it holds an empty key.)doc");
}

}  // namespace totp_native::bindings
