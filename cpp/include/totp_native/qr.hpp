// QR code rendering (libqrencode) to SVG and PNG.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace totp_native {

enum class QrEcc { kLow, kMedium, kQuartile, kHigh };

// parse_qr_ecc returns the level named "L", "M", "Q" or "H" (case-insensitive); throws
// InvalidArgument otherwise.
QrEcc parse_qr_ecc(std::string_view name);

// QrMatrix is the module grid of one symbol, without border: dark[y * size + x].
struct QrMatrix {
  int size = 0;
  std::vector<std::uint8_t> dark;
};

// qr_encode returns the smallest symbol holding |data| byte-exact (8-bit mode, case
// preserved). Throws InvalidArgument when |data| is empty or too long for any version at
// |ecc|, Error when libqrencode fails otherwise.
QrMatrix qr_encode(std::string_view data, QrEcc ecc);

// qr_svg returns a standalone SVG document: viewBox in modules (no width or height, so
// it scales to its container), shape-rendering crispEdges, an opaque |light| background
// rect and all dark modules as one <path> with one "M{x} {y}h{n}v1h-{n}z" subpath per
// horizontal run. |dark| and |light| must be "#rgb" or "#rrggbb"; border 0..64 modules.
// Throws InvalidArgument otherwise and for the data errors of qr_encode.
std::string qr_svg(std::string_view data, QrEcc ecc, int border, std::string_view dark,
                   std::string_view light);

// qr_png returns a 1-bit greyscale PNG (IHDR, one IDAT, IEND), |scale| pixels per
// module (1..64), |border| modules of quiet zone (0..64): (size + 2 * border) * scale
// pixels square. Throws InvalidArgument for bad parameters and the data errors of
// qr_encode, Error when zlib fails.
std::vector<std::uint8_t> qr_png(std::string_view data, QrEcc ecc, int border, int scale);

}  // namespace totp_native
