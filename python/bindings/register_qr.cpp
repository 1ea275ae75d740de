// qr_svg and qr_png: arguments become C++ values first, then rendering runs without the
// GIL (a symbol takes tens of microseconds to milliseconds, worth letting other threads in).
#include <cstdint>
#include <string>
#include <vector>

#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/qr.hpp"

namespace totp_native::bindings {

namespace {

QrEcc ecc_arg(PyObject* ecc) { return ecc ? parse_qr_ecc(arg_text(ecc, "ecc")) : QrEcc::kMedium; }

int border_arg(PyObject* border) { return border ? arg_int(border, "border") : 4; }

// data_copy copies the data argument, converted last (registers.hpp): the copy is what
// rendering reads once the GIL is released.
std::string data_copy(PyObject* data) { return std::string(BufferArg(data, "data", kBytesOrStr).view()); }

constexpr FastParam kQrSvg[] = {
    {"data", "str | bytes"},
    {"ecc", "str", "'M'", kKeywordOnly},
    {"border", "int", "4", kKeywordOnly},
    {"dark", "str", "'#000000'", kKeywordOnly},
    {"light", "str", "'#ffffff'", kKeywordOnly},
};

py::object qr_svg_body(FastArgs<kQrSvg> a) {
  const QrEcc level = ecc_arg(a["ecc"]);
  const int border = border_arg(a["border"]);
  const std::string dark = a["dark"] ? arg_text(a["dark"], "dark") : "#000000";
  const std::string light = a["light"] ? arg_text(a["light"], "light") : "#ffffff";
  const std::string data = data_copy(a["data"]);
  std::string svg;
  {
    py::gil_scoped_release released;
    svg = qr_svg(data, level, border, dark, light);
  }
  return py::str(svg);
}

constexpr FastParam kQrPng[] = {
    {"data", "str | bytes"},
    {"ecc", "str", "'M'", kKeywordOnly},
    {"border", "int", "4", kKeywordOnly},
    {"scale", "int", "8", kKeywordOnly},
};

py::object qr_png_body(FastArgs<kQrPng> a) {
  const QrEcc level = ecc_arg(a["ecc"]);
  const int border = border_arg(a["border"]);
  const int scale = a["scale"] ? arg_int(a["scale"], "scale") : 8;
  const std::string data = data_copy(a["data"]);
  std::vector<std::uint8_t> png;
  {
    py::gil_scoped_release released;
    png = qr_png(data, level, border, scale);
  }
  return py::bytes(reinterpret_cast<const char*>(png.data()), png.size());
}

}  // namespace

void register_qr(py::module_& m) {
  def_fast<qr_svg_body>(
      m, "qr_svg", "str",
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

  def_fast<qr_png_body>(
      m, "qr_png", "bytes",
      R"doc(Return ``data`` as a QR code in a 1-bit greyscale PNG image.

``data``, ``ecc`` and ``border`` are as for :func:`qr_svg`; each module is ``scale``
pixels square (1..64), so the image is ``(size + 2 * border) * scale`` pixels wide.

Raises ValueError for empty or too-long data and for a bad ``ecc``, ``border`` or
``scale``; TypeError for arguments of the wrong type.)doc");
}

}  // namespace totp_native::bindings
