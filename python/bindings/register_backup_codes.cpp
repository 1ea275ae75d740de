#include <pybind11/stl.h>

#include "registers.hpp"
#include "totp_native/backup_codes.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

void register_backup_codes(py::module_& m) {
  m.def(
      "generate_backup_codes",
      [](const PyInt& count, const PyInt& length, const PyInt& group) {
        return generate_backup_codes(arg_int(count, "count"), arg_int(length, "length"),
                                     arg_int(group, "group"));
      },
      py::arg("count") = 10,
        py::arg("length") = 12, py::arg("group") = 4,
        R"doc(Return ``count`` distinct random backup codes such as ``"7K3M-Q9XD-2HPA"``.

``length`` symbols from Crockford's base32 alphabet (no I, L, O, U), grouped by
``group`` with '-' (0: no separators). Show them to the user once; store only
backup_code_digest of each.)doc");

  m.def(
      "normalize_backup_code",
      [](const PyStr& code) {
        if (!PyUnicode_Check(code.ptr())) throw py::type_error("code must be str");
        return normalize_backup_code(bytes_or_str_view(code, "code"));
      },
      py::arg("code"),
      R"doc(Return the canonical form of a typed backup code.

NFKC, whitespace and '-' dropped, upper-cased, O read as 0 and I/L as 1. Raises
ValueError when empty, longer than 128 characters, or containing a character that
cannot be part of a backup code.)doc");

  m.def(
      "backup_code_digest",
      [](const PyBytesOrStr& key, const PyStr& code) {
        if (!PyUnicode_Check(code.ptr())) throw py::type_error("code must be str");
        return backup_code_digest(as_bytes(bytes_or_str_view(key, "key")),
                                  bytes_or_str_view(code, "code"));
      },
      py::arg("key"), py::arg("code"),
      R"doc(Return the hex HMAC-SHA256 under ``key`` of the normalised ``code``.

This is what is stored instead of the code. Raises as normalize_backup_code.)doc");
}

}  // namespace totp_native::bindings
