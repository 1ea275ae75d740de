// qr_svg and qr_png: arguments become C++ values first, then rendering runs without the
// GIL (a symbol takes tens of microseconds to milliseconds, worth letting other threads in).
#include <pybind11/typing.h>

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "registers.hpp"
#include "totp_native/qr.hpp"

namespace totp_native::bindings {

namespace {

// Single-member Unions accept any object (we type-check below, with a message naming the
// argument) while the signature and the generated stubs still read "str" / "int".
using StrArg = py::typing::Union<py::str>;
using IntArg = py::typing::Union<py::int_>;
using DataArg = py::typing::Union<py::str, py::bytes>;

std::string type_name(const py::handle& obj) {
  return py::str(py::type::of(obj).attr("__name__"));
}

std::string text_arg(const py::handle& obj, const char* what) {
  if (!PyUnicode_Check(obj.ptr())) {
    throw py::type_error(std::string(what) + " must be a str, not " + type_name(obj));
  }
  return std::string(bytes_or_str_view(obj, what));
}

// int_arg saturates ints outside the C int range, so the core rejects them with its
// usual range message (ValueError) rather than pybind11 reporting an overflow.
// Anything with __index__ (numpy integers, IntEnum) counts as an int; bool and float do not.
int int_arg(const py::handle& obj, const char* what) {
  if (PyBool_Check(obj.ptr()) || !PyIndex_Check(obj.ptr())) {
    throw py::type_error(std::string(what) + " must be an int, not " + type_name(obj));
  }
  const auto index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!index) throw py::error_already_set();
  int overflow = 0;
  const long value = PyLong_AsLongAndOverflow(index.ptr(), &overflow);
  if (value == -1 && PyErr_Occurred()) throw py::error_already_set();
  if (overflow > 0 || value > INT_MAX) return INT_MAX;
  if (overflow < 0 || value < INT_MIN) return INT_MIN;
  return static_cast<int>(value);
}

}  // namespace

void register_qr(py::module_& m) {
  m.def(
      "qr_svg",
      [](const DataArg& data, const StrArg& ecc, const IntArg& border, const StrArg& dark,
         const StrArg& light) {
        const std::string bytes(bytes_or_str_view(data, "data"));
        const QrEcc level = parse_qr_ecc(text_arg(ecc, "ecc"));
        const int quiet = int_arg(border, "border");
        const std::string dark_colour = text_arg(dark, "dark");
        const std::string light_colour = text_arg(light, "light");
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
      [](const DataArg& data, const StrArg& ecc, const IntArg& border, const IntArg& scale) {
        const std::string bytes(bytes_or_str_view(data, "data"));
        const QrEcc level = parse_qr_ecc(text_arg(ecc, "ecc"));
        const int quiet = int_arg(border, "border");
        const int pixels_per_module = int_arg(scale, "scale");
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
