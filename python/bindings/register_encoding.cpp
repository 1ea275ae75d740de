// b32encode, b32decode.
#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

namespace {

constexpr FastParam kB32encode[] = {{"data", "bytes"}, {"padding", "bool", "False"}};

py::object b32encode_body(FastArgs<kB32encode> a) {
  const bool padding = a["padding"] ? arg_bool(a["padding"], "padding") : false;
  const BufferArg data(a["data"], "data", kBytesOnly);
  return py::str(base32_encode(data.bytes(), padding));
}

constexpr FastParam kB32decode[] = {{"text", "bytes | str"}};

py::object b32decode_body(FastArgs<kB32decode> a) {
  const BufferArg text(a["text"], "text", kBytesOrStr);
  const SecureBuffer decoded = base32_decode(text.view());
  return py::bytes(reinterpret_cast<const char*>(decoded.data()), decoded.size());
}

}  // namespace

void register_encoding(py::module_& m) {
  def_fast<b32encode_body>(
      m, "b32encode", "str",
      R"doc(Return the RFC 4648 base32 text of ``data`` (bytes), unpadded unless ``padding``.)doc");

  def_fast<b32decode_body>(
      m, "b32decode", "bytes",
      R"doc(Return the bytes encoded by base32 ``text``.

Case-insensitive; spaces and '-' are ignored; '=' padding is optional but must be
correct when present. Anything else raises ValueError.)doc");
}

}  // namespace totp_native::bindings
