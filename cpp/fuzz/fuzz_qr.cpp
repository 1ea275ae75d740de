// qr_svg and qr_png on fuzz-chosen data, level, border, scale and colours. Invariants:
// failures are InvalidArgument only (too long, bad colour, bad border or scale); the
// SVG's path, read back run by run, reproduces qr_encode's module matrix exactly and its
// colours appear verbatim only where they were validated; the PNG's IDAT inflates to the
// declared size and every pixel is dark exactly where its module is. Data is capped so
// one run stays fast (a version-40 symbol at scale 64 is a 19 520-pixel square).
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/qr.hpp"

using namespace totp_native;

namespace {

constexpr std::size_t kMaxData = 600;

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void check_svg(const std::string& svg, const QrMatrix& matrix, int border, std::string_view dark,
               std::string_view light) {
  FUZZ_CHECK(svg.rfind("<svg ", 0) == 0);
  FUZZ_CHECK(svg.size() >= 10 && svg.compare(svg.size() - 10, 10, "\"/></svg>\n") == 0);
  FUZZ_CHECK(svg.find("fill=\"" + std::string(light) + "\"") != std::string::npos);
  FUZZ_CHECK(svg.find("fill=\"" + std::string(dark) + "\"") != std::string::npos);
  const std::size_t d = svg.find(" d=\"");
  FUZZ_CHECK(d != std::string::npos);
  const int size = matrix.size;
  std::vector<std::uint8_t> drawn(static_cast<std::size_t>(size) * static_cast<std::size_t>(size), 0);
  const char* p = svg.data() + d + 4;
  const auto number = [&p]() {
    int v = 0, n = 0;
    while (*p >= '0' && *p <= '9' && n < 4) v = v * 10 + (*p++ - '0'), ++n;
    FUZZ_CHECK(n > 0 && n <= 3);
    return v;
  };
  while (*p == 'M') {
    ++p;
    const int x = number() - border;
    FUZZ_CHECK(*p++ == ' ');
    const int y = number() - border;
    FUZZ_CHECK(*p++ == 'h');
    const int n = number();
    FUZZ_CHECK(std::string_view(p, 4) == "v1h-");
    p += 4;
    FUZZ_CHECK(number() == n);
    FUZZ_CHECK(*p++ == 'z');
    FUZZ_CHECK(x >= 0 && y >= 0 && n >= 1 && x + n <= size && y < size);
    for (int k = x; k < x + n; ++k) {
      auto& cell = drawn[static_cast<std::size_t>(y) * static_cast<std::size_t>(size) + static_cast<std::size_t>(k)];
      FUZZ_CHECK(cell == 0);  // runs never overlap
      cell = 1;
    }
  }
  FUZZ_CHECK(*p == '"');
  FUZZ_CHECK(drawn == matrix.dark);
}

void check_png(const std::vector<std::uint8_t>& png, const QrMatrix& matrix, int border, int scale) {
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  FUZZ_CHECK(png.size() > 8 + 25 + 12 + 12 && std::equal(kSignature, kSignature + 8, png.begin()));
  std::size_t at = 8;
  std::vector<std::uint8_t> idat;
  std::uint32_t width = 0, height = 0;
  bool ended = false;
  while (at + 12 <= png.size() && !ended) {
    const std::uint32_t length = be32(&png[at]);
    FUZZ_CHECK(at + 12 + length <= png.size());
    const std::string type(reinterpret_cast<const char*>(&png[at + 4]), 4);
    const std::uint8_t* body = &png[at + 8];
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), &png[at + 4], length + 4);
    FUZZ_CHECK(be32(body + length) == static_cast<std::uint32_t>(crc));
    if (type == "IHDR") {
      FUZZ_CHECK(length == 13 && body[8] == 1 && body[9] == 0 && body[12] == 0);
      width = be32(body);
      height = be32(body + 4);
    } else if (type == "IDAT") {
      idat.insert(idat.end(), body, body + length);
    } else {
      FUZZ_CHECK(type == "IEND" && length == 0);
      ended = true;
    }
    at += 12 + length;
  }
  FUZZ_CHECK(ended && at == png.size());
  const std::size_t side = static_cast<std::size_t>(matrix.size + 2 * border) * static_cast<std::size_t>(scale);
  FUZZ_CHECK(width == side && height == side);
  const std::size_t row_bytes = 1 + (side + 7) / 8;
  std::vector<std::uint8_t> raw(row_bytes * side + 1);
  uLongf raw_size = static_cast<uLongf>(raw.size());
  FUZZ_CHECK(uncompress(raw.data(), &raw_size, idat.data(), static_cast<uLong>(idat.size())) == Z_OK);
  FUZZ_CHECK(raw_size == row_bytes * side);
  std::vector<std::uint8_t> previous(row_bytes, 0), row(row_bytes);
  for (std::size_t y = 0; y < side; ++y) {
    const std::uint8_t* line = &raw[y * row_bytes];
    FUZZ_CHECK(line[0] == 0 || line[0] == 2);
    for (std::size_t i = 1; i < row_bytes; ++i) {
      row[i] = line[0] == 0 ? line[i] : static_cast<std::uint8_t>(line[i] + previous[i]);
    }
    for (std::size_t x = 0; x < side; ++x) {
      const bool white = (row[1 + x / 8] & (0x80u >> (x % 8))) != 0;
      const std::size_t mx = x / static_cast<std::size_t>(scale), my = y / static_cast<std::size_t>(scale);
      const std::size_t b = static_cast<std::size_t>(border), n = static_cast<std::size_t>(matrix.size);
      const bool dark = mx >= b && my >= b && mx < b + n && my < b + n &&
                        matrix.dark[(my - b) * n + (mx - b)] != 0;
      FUZZ_CHECK(white == !dark);
    }
    previous = row;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Reader in(data, size);
  const std::uint8_t shape = in.u8();
  const std::string ecc_name(1, "LMQHlmqhX"[shape % 9]);
  const int border = static_cast<int>(in.u8() % 70) - 2;  // -2..67: both limits
  const int scale = static_cast<int>(in.u8() % 5);        // 0..4: the lower limit
  std::string dark = "#000000", light = "#ffffff";
  if (shape & 0x10) dark = std::string(in.field());
  if (shape & 0x20) light = std::string(in.field());
  const std::string_view payload = in.rest();
  const std::string text(payload.substr(0, kMaxData));

  QrEcc ecc;
  try {
    ecc = parse_qr_ecc(ecc_name);
  } catch (const InvalidArgument&) {
    FUZZ_CHECK(ecc_name == "X");
    return 0;
  }
  QrMatrix matrix;
  try {
    matrix = qr_encode(text, ecc);
  } catch (const InvalidArgument&) {
    FUZZ_CHECK(text.empty());
    return 0;
  }
  FUZZ_CHECK(matrix.size >= 21 && matrix.size <= 177 && (matrix.size - 17) % 4 == 0);
  try {
    const std::string svg = qr_svg(text, ecc, border, dark, light);
    check_svg(svg, matrix, border, dark, light);
  } catch (const InvalidArgument&) {
    // Only a bad border or colour is refused; colours are "#rgb" / "#rrggbb".
    const auto colour_ok = [](const std::string& c) {
      if ((c.size() != 4 && c.size() != 7) || c[0] != '#') return false;
      for (std::size_t i = 1; i < c.size(); ++i) {
        if (!std::isxdigit(static_cast<unsigned char>(c[i]))) return false;
      }
      return true;
    };
    FUZZ_CHECK(border < 0 || border > 64 || !colour_ok(dark) || !colour_ok(light));
  }
  if (matrix.size <= 57 || scale <= 2) {  // keep the big symbols cheap
    try {
      check_png(qr_png(text, ecc, border, scale), matrix, border, scale);
    } catch (const InvalidArgument&) {
      FUZZ_CHECK(border < 0 || border > 64 || scale < 1);
    }
  }
  return 0;
}
