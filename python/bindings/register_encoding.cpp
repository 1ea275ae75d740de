#include "registers.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

void register_encoding(py::module_& m) {
  m.def(
      "b32encode",
      [](const PyBytes& data, const PyBool& padding) {
        return base32_encode(as_bytes(bytes_view(data, "data")), arg_bool(padding, "padding"));
      },
      py::arg("data"), py::arg("padding") = false,
      R"doc(Return the RFC 4648 base32 text of ``data`` (bytes), unpadded unless ``padding``.)doc");

  m.def(
      "b32decode",
      [](const PyBytesOrStr& text) {
        const SecureBuffer decoded = base32_decode(bytes_or_str_view(text, "text"));
        return py::bytes(reinterpret_cast<const char*>(decoded.data()), decoded.size());
      },
      py::arg("text"),
      R"doc(Return the bytes encoded by base32 ``text``.

Case-insensitive; spaces and '-' are ignored; '=' padding is optional but must be
correct when present. Anything else raises ValueError.)doc");
}

}  // namespace totp_native::bindings
