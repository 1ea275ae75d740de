// QR code rendering: libqrencode builds the module grid, we serialise it to SVG and PNG.
#include "totp_native/qr.hpp"

#include <qrencode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <memory>
#include <new>
#include <string>

#include "totp_native/errors.hpp"

namespace totp_native {

namespace {

constexpr int kMaxBorder = 64;
constexpr int kMaxScale = 64;

struct QrcodeDeleter {
  void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};
using QrcodePtr = std::unique_ptr<QRcode, QrcodeDeleter>;

QRecLevel to_qrencode_level(QrEcc ecc) {
  switch (ecc) {
    case QrEcc::kLow:
      return QR_ECLEVEL_L;
    case QrEcc::kMedium:
      return QR_ECLEVEL_M;
    case QrEcc::kQuartile:
      return QR_ECLEVEL_Q;
    case QrEcc::kHigh:
      return QR_ECLEVEL_H;
  }
  throw InvalidArgument("QR error correction level is not one of L, M, Q, H");
}

char ecc_letter(QrEcc ecc) {
  switch (ecc) {
    case QrEcc::kLow:
      return 'L';
    case QrEcc::kMedium:
      return 'M';
    case QrEcc::kQuartile:
      return 'Q';
    case QrEcc::kHigh:
      return 'H';
  }
  return '?';
}

// Byte-mode capacity of a version 40 symbol (ISO/IEC 18004 table 7), for the message only.
int max_bytes(QrEcc ecc) {
  switch (ecc) {
    case QrEcc::kLow:
      return 2953;
    case QrEcc::kMedium:
      return 2331;
    case QrEcc::kQuartile:
      return 1663;
    case QrEcc::kHigh:
      return 1273;
  }
  return 0;
}

void check_border(int border) {
  if (border < 0 || border > kMaxBorder) {
    throw InvalidArgument("QR border must be 0.." + std::to_string(kMaxBorder) +
                          " modules (4 is the standard quiet zone)");
  }
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The colour lands inside an XML attribute, so only the strict forms pass: no names,
// no quotes, nothing an attacker could use to break out of the attribute.
void check_colour(std::string_view colour, const char* what) {
  const bool shape_ok = (colour.size() == 4 || colour.size() == 7) && colour[0] == '#';
  bool digits_ok = shape_ok;
  for (std::size_t i = 1; digits_ok && i < colour.size(); ++i) {
    digits_ok = is_hex_digit(colour[i]);
  }
  if (!digits_ok) {
    throw InvalidArgument(std::string("QR ") + what +
                          " colour must be \"#rgb\" or \"#rrggbb\" (hex digits), e.g. "
                          "\"#000000\"");
  }
}

// put_int writes the decimal form of 0 <= |value| < 1000 (every SVG coordinate and run
// length; a symbol plus border is at most 305 modules) at |out| and returns the end.
char* put_int(char* out, int value) {
  const auto digit = [](int d) { return static_cast<char>('0' + d); };
  if (value >= 100) *out++ = digit(value / 100);
  if (value >= 10) *out++ = digit(value / 10 % 10);
  *out++ = digit(value % 10);
  return out;
}

char* put_text(char* out, std::string_view text) {
  for (char c : text) *out++ = c;
  return out;
}

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 24));
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void put_png_chunk(std::vector<std::uint8_t>& out, const char (&type)[5],
                   const std::uint8_t* data, std::size_t size) {
  put_be32(out, static_cast<std::uint32_t>(size));
  const std::size_t type_at = out.size();
  out.insert(out.end(), type, type + 4);
  if (size > 0) out.insert(out.end(), data, data + size);
  const std::size_t crc_size = out.size() - type_at;
  const uLong crc =
      crc32(crc32(0L, Z_NULL, 0), out.data() + type_at, static_cast<uInt>(crc_size));
  put_be32(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

QrEcc parse_qr_ecc(std::string_view name) {
  if (name.size() == 1) {
    switch (name[0]) {
      case 'L':
      case 'l':
        return QrEcc::kLow;
      case 'M':
      case 'm':
        return QrEcc::kMedium;
      case 'Q':
      case 'q':
        return QrEcc::kQuartile;
      case 'H':
      case 'h':
        return QrEcc::kHigh;
      default:
        break;
    }
  }
  throw InvalidArgument("QR error correction level must be \"L\", \"M\", \"Q\" or \"H\"");
}

QrMatrix qr_encode(std::string_view data, QrEcc ecc) {
  if (data.empty()) throw InvalidArgument("QR data must not be empty");
  const auto too_long = [&] {
    return InvalidArgument("QR data is too long: " + std::to_string(data.size()) +
                           " bytes; at most " + std::to_string(max_bytes(ecc)) +
                           " fit in one symbol at error correction level " + ecc_letter(ecc));
  };
  if (data.size() > static_cast<std::size_t>(INT_MAX)) throw too_long();

  errno = 0;
  const QrcodePtr code(QRcode_encodeData(static_cast<int>(data.size()),
                                         reinterpret_cast<const unsigned char*>(data.data()),
                                         0, to_qrencode_level(ecc)));
  if (!code) {
    const int error = errno;
    if (error == ERANGE) throw too_long();
    if (error == ENOMEM) throw std::bad_alloc();
    throw Error("libqrencode failed to encode the QR data (errno " + std::to_string(error) + ")");
  }
  if (code->width < 21 || code->width > 177 || code->data == nullptr) {
    throw Error("libqrencode returned a malformed QR symbol");
  }

  QrMatrix matrix;
  matrix.size = code->width;
  const auto width = static_cast<std::size_t>(code->width);
  const std::size_t cells = width * width;
  matrix.dark.resize(cells);
  // libqrencode packs flags in each byte; bit 0 alone says whether the module is dark.
  for (std::size_t i = 0; i < cells; ++i) {
    matrix.dark[i] = static_cast<std::uint8_t>(code->data[i] & 1U);
  }
  return matrix;
}

std::string qr_svg(std::string_view data, QrEcc ecc, int border, std::string_view dark,
                   std::string_view light) {
  check_border(border);
  check_colour(dark, "dark");
  check_colour(light, "light");
  const QrMatrix matrix = qr_encode(data, ecc);
  const int size = matrix.size;
  const int extent = size + 2 * border;  // <= 177 + 128: three digits
  const auto row_at = [&](int y) {
    return matrix.dark.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(size);
  };

  std::size_t runs = 0;
  for (int y = 0; y < size; ++y) {
    const std::uint8_t* row = row_at(y);
    for (int x = 0; x < size; ++x) {
      if (row[x] != 0 && (x == 0 || row[x - 1] == 0)) ++runs;
    }
  }

  static constexpr std::string_view kOpen =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 ";
  static constexpr std::string_view kAttrs = "\" shape-rendering=\"crispEdges\">";
  static constexpr std::string_view kRect = "<rect width=\"";
  static constexpr std::string_view kPath = "\"/><path fill=\"";
  static constexpr std::string_view kD = "\" d=\"";
  static constexpr std::string_view kClose = "\"/></svg>\n";
  // "M{x} {y}h{n}v1h-{n}z": at most 1+3+1+3+1+3+2+2+3+1 = 20 characters per run; the
  // viewBox and rect numbers and attribute names in between take 31 more.
  constexpr std::size_t kMaxRunChars = 20;
  constexpr std::size_t kNumbersAndGlue = 64;
  const std::size_t bound = kOpen.size() + kNumbersAndGlue + kAttrs.size() + kRect.size() + light.size() +
                            kPath.size() + dark.size() + kD.size() + runs * kMaxRunChars +
                            kClose.size();

  std::string svg(bound, '\0');
  char* out = svg.data();
  out = put_text(out, kOpen);
  out = put_int(out, extent);
  *out++ = ' ';
  out = put_int(out, extent);
  out = put_text(out, kAttrs);
  out = put_text(out, kRect);
  out = put_int(out, extent);
  out = put_text(out, "\" height=\"");
  out = put_int(out, extent);
  out = put_text(out, "\" fill=\"");
  out = put_text(out, light);
  out = put_text(out, kPath);
  out = put_text(out, dark);
  out = put_text(out, kD);
  for (int y = 0; y < size; ++y) {
    const std::uint8_t* row = row_at(y);
    int x = 0;
    while (x < size) {
      if (row[x] == 0) {
        ++x;
        continue;
      }
      const int start = x;
      while (x < size && row[x] != 0) ++x;
      const int length = x - start;
      *out++ = 'M';
      out = put_int(out, start + border);
      *out++ = ' ';
      out = put_int(out, y + border);
      *out++ = 'h';
      out = put_int(out, length);
      out = put_text(out, "v1h-");
      out = put_int(out, length);
      *out++ = 'z';
    }
  }
  out = put_text(out, kClose);
  svg.resize(static_cast<std::size_t>(out - svg.data()));
  return svg;
}

std::vector<std::uint8_t> qr_png(std::string_view data, QrEcc ecc, int border, int scale) {
  check_border(border);
  if (scale < 1 || scale > kMaxScale) {
    throw InvalidArgument("QR scale must be 1.." + std::to_string(kMaxScale) +
                          " pixels per module");
  }
  const QrMatrix matrix = qr_encode(data, ecc);
  const std::size_t size = static_cast<std::size_t>(matrix.size);
  const std::size_t quiet = static_cast<std::size_t>(border);
  const std::size_t px_per_module = static_cast<std::size_t>(scale);
  const std::size_t pixels = (size + 2 * quiet) * px_per_module;  // <= 19520
  const std::size_t row_bytes = 1 + (pixels + 7) / 8;              // filter byte + 1 bit/pixel

  // Greyscale at bit depth 1: a set bit is white. Rows start all white (the quiet zone);
  // the module rows clear the bits of dark modules.
  std::vector<std::uint8_t> raw(row_bytes * pixels, 0);
  const std::size_t symbol_first = quiet * px_per_module;
  const std::size_t symbol_end = (quiet + size) * px_per_module;
  for (std::size_t py = 0; py < pixels; ++py) {
    std::uint8_t* line = raw.data() + py * row_bytes;
    const bool in_symbol = py >= symbol_first && py < symbol_end;
    // A row equals the one above inside a module band, and everywhere in a quiet zone.
    const bool same_as_above =
        py > 0 && (py % px_per_module != 0 || (!in_symbol && py != symbol_end));
    if (same_as_above) {
      // Filter type 2 ("Up") with all-zero bytes reproduces the row above exactly and
      // deflates to almost nothing.
      line[0] = 2;
      continue;
    }
    line[0] = 0;  // filter type 0: the bytes are the pixels
    std::fill(line + 1, line + row_bytes, std::uint8_t{0xFF});
    if (!in_symbol) continue;
    const std::uint8_t* modules = matrix.dark.data() + (py / px_per_module - quiet) * size;
    for (std::size_t mx = 0; mx < size; ++mx) {
      if (modules[mx] == 0) continue;
      const std::size_t first = (quiet + mx) * px_per_module;
      for (std::size_t px = first; px < first + px_per_module; ++px) {
        line[1 + px / 8] = static_cast<std::uint8_t>(line[1 + px / 8] & ~(0x80U >> (px % 8)));
      }
    }
  }
  // Padding bits after the last pixel of a row stay set; decoders ignore them.

  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> compressed(compressed_size);
  // Level 6: level 9 is ~4x slower on these long zero runs for ~7% fewer bytes.
  const int status = compress2(compressed.data(), &compressed_size, raw.data(),
                               static_cast<uLong>(raw.size()), Z_DEFAULT_COMPRESSION);
  if (status == Z_MEM_ERROR) throw std::bad_alloc();
  if (status != Z_OK) {
    throw Error("zlib compress2 failed while writing the QR PNG (status " +
                std::to_string(status) + ")");
  }

  std::array<std::uint8_t, 13> ihdr{};
  const auto side = static_cast<std::uint32_t>(pixels);
  for (int i = 0; i < 4; ++i) {
    ihdr[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(side >> (24 - 8 * i));
    ihdr[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(side >> (24 - 8 * i));
  }
  ihdr[8] = 1;   // bit depth
  ihdr[9] = 0;   // colour type: greyscale
  ihdr[10] = 0;  // compression: deflate
  ihdr[11] = 0;  // filter method 0
  ihdr[12] = 0;  // no interlace

  static constexpr std::array<std::uint8_t, 8> kSignature = {0x89, 'P',  'N',  'G',
                                                              '\r', '\n', 0x1A, '\n'};
  std::vector<std::uint8_t> png;
  png.reserve(kSignature.size() + 3 * 12 + ihdr.size() + compressed_size);
  png.insert(png.end(), kSignature.begin(), kSignature.end());
  put_png_chunk(png, "IHDR", ihdr.data(), ihdr.size());
  put_png_chunk(png, "IDAT", compressed.data(), compressed_size);
  put_png_chunk(png, "IEND", nullptr, 0);
  return png;
}

}  // namespace totp_native
