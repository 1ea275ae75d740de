// b32encode, b32decode.
#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

namespace {

py::object b32encode_body(PyObject** a) {
  const bool padding = a[1] ? arg_bool(a[1], "padding") : false;
  const BufferArg data(a[0], "data", kBytesOnly);
  return py::str(base32_encode(data.bytes(), padding));
}

py::object b32decode_body(PyObject** a) {
  const BufferArg text(a[0], "text", kBytesOrStr);
  const SecureBuffer decoded = base32_decode(text.view());
  return py::bytes(reinterpret_cast<const char*>(decoded.data()), decoded.size());
}

}  // namespace

void register_encoding(py::module_& m) {
  def_fast(m, {"b32encode", {"data", "padding"}, 2, 1,
               R"doc(b32encode(data: bytes, padding: bool = False) -> str

Return the RFC 4648 base32 text of ``data`` (bytes), unpadded unless ``padding``.)doc",
               &b32encode_body});

  def_fast(m, {"b32decode", {"text"}, 1, 1,
               R"doc(b32decode(text: bytes | str) -> bytes

Return the bytes encoded by base32 ``text``.

Case-insensitive; spaces and '-' are ignored; '=' padding is optional but must be
correct when present. Anything else raises ValueError.)doc",
               &b32decode_body});
}

}  // namespace totp_native::bindings
