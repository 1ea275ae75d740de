// qr_svg and qr_png: arguments become C++ values first, then rendering runs without the
// GIL (a symbol takes tens of microseconds to milliseconds, worth letting other threads in).

#include <cstdint>
#include <string>
#include <vector>

#include "registers.hpp"
#include "totp_native/qr.hpp"

namespace totp_native::bindings {

void register_qr(py::module_& m) {
  m.def(
      "qr_svg",
      [](const PyBytesOrStr& data, const PyStr& ecc, const PyInt& border, const PyStr& dark,
         const PyStr& light) {
        const std::string bytes(bytes_or_str_view(data, "data"));
        const QrEcc level = parse_qr_ecc(arg_text(ecc, "ecc"));
        const int quiet = arg_int(border, "border");
        const std::string dark_colour = arg_text(dark, "dark");
        const std::string light_colour = arg_text(light, "light");
        std::string svg;
        {
          py::gil_scoped_release released;
          svg = qr_svg(bytes, level, quiet, dark_colour, light_colour);
        }
        return svg;
      },
      py::arg("data"), py::kw_only(), py::arg("ecc") = "M", py::arg("border") = 4,
      py::arg("dark") = "#000000", py::arg("light") = "#ffffff",
      R"doc(Return ``data`` as a QR code in a standalone SVG document.

``data`` (str, encoded as UTF-8, or bytes) is stored byte-exact in 8-bit mode in the
smallest symbol at error correction level ``ecc`` ("L", "M", "Q" or "H"). The SVG has a
``viewBox`` in modules (no fixed width or height, so it scales with its container),
``shape-rendering="crispEdges"``, an opaque ``light`` background and every dark module
in one ``<path>`` filled with ``dark``. ``border`` is the quiet zone in modules (0..64;
scanners want 4). Colours must be "#rgb" or "#rrggbb".

Raises ValueError for empty or too-long data (at most 2953 bytes at "L", 2331 at "M",
1663 at "Q", 1273 at "H") and for a bad ``ecc``, ``border`` or colour; TypeError for
arguments of the wrong type.)doc");

  m.def(
      "qr_png",
      [](const PyBytesOrStr& data, const PyStr& ecc, const PyInt& border, const PyInt& scale) {
        const std::string bytes(bytes_or_str_view(data, "data"));
        const QrEcc level = parse_qr_ecc(arg_text(ecc, "ecc"));
        const int quiet = arg_int(border, "border");
        const int pixels_per_module = arg_int(scale, "scale");
        std::vector<std::uint8_t> png;
        {
          py::gil_scoped_release released;
          png = qr_png(bytes, level, quiet, pixels_per_module);
        }
        return py::bytes(reinterpret_cast<const char*>(png.data()), png.size());
      },
      py::arg("data"), py::kw_only(), py::arg("ecc") = "M", py::arg("border") = 4,
      py::arg("scale") = 8,
      R"doc(Return ``data`` as a QR code in a 1-bit greyscale PNG image.

``data``, ``ecc`` and ``border`` are as for :func:`qr_svg`; each module is ``scale``
pixels square (1..64), so the image is ``(size + 2 * border) * scale`` pixels wide.

Raises ValueError for empty or too-long data and for a bad ``ecc``, ``border`` or
``scale``; TypeError for arguments of the wrong type.)doc");
}

}  // namespace totp_native::bindings
