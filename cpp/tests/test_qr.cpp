// QR encoding and rendering: symbol sizes from the ISO/IEC 18004 capacity tables, the
// fixed patterns every symbol has, and the SVG/PNG serialisations read back to modules.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/qr.hpp"

using totp_native::InvalidArgument;
using totp_native::QrEcc;
using totp_native::QrMatrix;

namespace {

bool module(const QrMatrix& m, int x, int y) {
  return m.dark[static_cast<std::size_t>(y) * static_cast<std::size_t>(m.size) +
                static_cast<std::size_t>(x)] != 0;
}

// A finder pattern is a dark 7x7 ring, a light 5x5 ring and a dark 3x3 core.
bool finder_at(const QrMatrix& m, int left, int top) {
  for (int dy = 0; dy < 7; ++dy) {
    for (int dx = 0; dx < 7; ++dx) {
      const int ring = std::min(std::min(dx, dy), std::min(6 - dx, 6 - dy));
      const bool want_dark = ring != 1;
      if (module(m, left + dx, top + dy) != want_dark) return false;
    }
  }
  return true;
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

struct PngImage {
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, colour_type = 0;
  std::vector<std::vector<bool>> dark;  // dark[y][x]
};

// read_png parses what qr_png writes (chunks, CRCs, one IDAT, filters 0 and 2).
PngImage read_png(const std::vector<std::uint8_t>& png) {
  static const std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  REQUIRE(png.size() > 8);
  REQUIRE(std::equal(kSignature, kSignature + 8, png.begin()));
  PngImage image;
  std::vector<std::uint8_t> idat;
  std::vector<std::string> types;
  std::size_t at = 8;
  while (at < png.size()) {
    REQUIRE(at + 12 <= png.size());
    const std::uint32_t length = be32(png, at);
    REQUIRE(at + 12 + length <= png.size());
    const std::string type(png.begin() + static_cast<std::ptrdiff_t>(at + 4),
                           png.begin() + static_cast<std::ptrdiff_t>(at + 8));
    const uLong crc = crc32(0L, png.data() + at + 4, static_cast<uInt>(4 + length));
    CHECK_EQ(static_cast<std::uint32_t>(crc), be32(png, at + 8 + length));
    const std::uint8_t* body = png.data() + at + 8;
    if (type == "IHDR") {
      REQUIRE(length == 13);
      std::vector<std::uint8_t> ihdr(body, body + 13);
      image.width = be32(ihdr, 0);
      image.height = be32(ihdr, 4);
      image.bit_depth = ihdr[8];
      image.colour_type = ihdr[9];
      CHECK_EQ(int{ihdr[12]}, 0);
    } else if (type == "IDAT") {
      idat.insert(idat.end(), body, body + length);
    }
    types.push_back(type);
    at += 12 + length;
  }
  REQUIRE(types.size() == 3);
  CHECK_EQ(types[0], std::string("IHDR"));
  CHECK_EQ(types[1], std::string("IDAT"));
  CHECK_EQ(types[2], std::string("IEND"));
  REQUIRE(image.bit_depth == 1 && image.colour_type == 0);

  const std::size_t row_bytes = 1 + (image.width + 7) / 8;
  std::vector<std::uint8_t> raw(row_bytes * image.height);
  uLongf raw_size = static_cast<uLongf>(raw.size());
  REQUIRE(uncompress(raw.data(), &raw_size, idat.data(), static_cast<uLong>(idat.size())) == Z_OK);
  REQUIRE(raw_size == raw.size());
  std::vector<std::uint8_t> previous(row_bytes - 1, 0), current(row_bytes - 1);
  for (std::size_t y = 0; y < image.height; ++y) {
    const std::uint8_t* line = raw.data() + y * row_bytes;
    REQUIRE(line[0] == 0 || line[0] == 2);
    for (std::size_t i = 0; i + 1 < row_bytes; ++i) {
      const std::uint8_t up = line[0] == 2 ? previous[i] : std::uint8_t{0};
      current[i] = static_cast<std::uint8_t>(line[1 + i] + up);
    }
    std::vector<bool> row(image.width);
    for (std::size_t x = 0; x < image.width; ++x) {
      row[x] = (current[x / 8] & (0x80U >> (x % 8))) == 0;
    }
    image.dark.push_back(std::move(row));
    previous = current;
  }
  return image;
}

// svg_modules replays the path's "M{x} {y}h{n}v1h-{n}z" runs onto a grid of |extent|.
std::vector<std::vector<bool>> svg_modules(const std::string& svg, int extent, int* runs) {
  std::vector<std::vector<bool>> grid(static_cast<std::size_t>(extent),
                                      std::vector<bool>(static_cast<std::size_t>(extent)));
  const std::size_t d_at = svg.find(" d=\"");
  REQUIRE(d_at != std::string::npos);
  std::size_t i = d_at + 4;
  auto number = [&]() {
    int value = 0;
    REQUIRE(i < svg.size() && svg[i] >= '0' && svg[i] <= '9');
    while (svg[i] >= '0' && svg[i] <= '9') value = value * 10 + (svg[i++] - '0');
    return value;
  };
  auto expect = [&](std::string_view text) {
    REQUIRE(svg.compare(i, text.size(), text) == 0);
    i += text.size();
  };
  *runs = 0;
  while (svg[i] != '"') {
    expect("M");
    const int x = number();
    expect(" ");
    const int y = number();
    expect("h");
    const int n = number();
    expect("v1h-");
    CHECK_EQ(number(), n);
    expect("z");
    REQUIRE(n >= 1 && x + n <= extent && y < extent);
    // Merged runs: the module before a run is never dark.
    CHECK(x == 0 || !grid[static_cast<std::size_t>(y)][static_cast<std::size_t>(x - 1)]);
    auto& row = grid[static_cast<std::size_t>(y)];
    for (int k = x; k < x + n; ++k) row[static_cast<std::size_t>(k)] = true;
    ++*runs;
  }
  return grid;
}

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST(qr_parse_ecc_accepts_the_four_levels_in_either_case) {
  CHECK(totp_native::parse_qr_ecc("L") == QrEcc::kLow);
  CHECK(totp_native::parse_qr_ecc("m") == QrEcc::kMedium);
  CHECK(totp_native::parse_qr_ecc("Q") == QrEcc::kQuartile);
  CHECK(totp_native::parse_qr_ecc("h") == QrEcc::kHigh);
  CHECK_THROWS_AS(totp_native::parse_qr_ecc(""), InvalidArgument);
  CHECK_THROWS_AS(totp_native::parse_qr_ecc("X"), InvalidArgument);
  CHECK_THROWS_AS(totp_native::parse_qr_ecc("LL"), InvalidArgument);
  CHECK_THROWS_AS(totp_native::parse_qr_ecc("low"), InvalidArgument);
}

// Byte-mode capacities (ISO/IEC 18004 table 7): version 1 holds 17 bytes at L and 14
// at M; version 40 holds 2953 at L and 1273 at H.
TEST(qr_encode_picks_the_smallest_version) {
  CHECK_EQ(totp_native::qr_encode(std::string(17, 'a'), QrEcc::kLow).size, 21);
  CHECK_EQ(totp_native::qr_encode(std::string(18, 'a'), QrEcc::kLow).size, 25);
  CHECK_EQ(totp_native::qr_encode(std::string(14, 'a'), QrEcc::kMedium).size, 21);
  CHECK_EQ(totp_native::qr_encode(std::string(15, 'a'), QrEcc::kMedium).size, 25);
  CHECK_EQ(totp_native::qr_encode(std::string(2953, 'a'), QrEcc::kLow).size, 177);
  CHECK_EQ(totp_native::qr_encode(std::string(1273, 'a'), QrEcc::kHigh).size, 177);
  // A typical otpauth URI lands in a mid-size symbol (version = (size - 17) / 4).
  const std::string uri =
      "otpauth://totp/Example%20Co:alice@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
      "&issuer=Example%20Co";
  const QrMatrix m = totp_native::qr_encode(uri, QrEcc::kMedium);
  CHECK((m.size - 17) % 4 == 0);
  CHECK(m.size >= 41 && m.size <= 61);
}

TEST(qr_encode_rejects_empty_and_too_long_data) {
  CHECK_THROWS_AS(totp_native::qr_encode("", QrEcc::kMedium), InvalidArgument);
  CHECK_THROWS_AS(totp_native::qr_encode(std::string(2954, 'a'), QrEcc::kLow), InvalidArgument);
  CHECK_THROWS_AS(totp_native::qr_encode(std::string(1274, 'a'), QrEcc::kHigh), InvalidArgument);
  CHECK_THROWS_AS(totp_native::qr_encode(std::string(8000, 'a'), QrEcc::kMedium), InvalidArgument);
  try {
    (void)totp_native::qr_encode(std::string(8000, 'a'), QrEcc::kMedium);
  } catch (const InvalidArgument& e) {
    CHECK(std::string(e.what()).find("2331") != std::string::npos);
  }
}

TEST(qr_encode_draws_finder_and_timing_patterns) {
  for (const QrEcc ecc : {QrEcc::kLow, QrEcc::kMedium, QrEcc::kQuartile, QrEcc::kHigh}) {
    for (const std::string& data :
         {std::string("A"), std::string(100, 'x'), std::string(900, 'z')}) {
      const QrMatrix m = totp_native::qr_encode(data, ecc);
      REQUIRE(m.size >= 21 && m.dark.size() == static_cast<std::size_t>(m.size * m.size));
      CHECK(finder_at(m, 0, 0));
      CHECK(finder_at(m, m.size - 7, 0));
      CHECK(finder_at(m, 0, m.size - 7));
      // Separators: the light row and column around each finder.
      for (int k = 0; k < 8; ++k) {
        CHECK(!module(m, k, 7));
        CHECK(!module(m, 7, k));
        CHECK(!module(m, m.size - 1 - k, 7));
        CHECK(!module(m, k, m.size - 8));
      }
      // Timing patterns alternate, starting dark, between the finders.
      for (int k = 8; k < m.size - 8; ++k) {
        CHECK_EQ(module(m, k, 6), k % 2 == 0);
        CHECK_EQ(module(m, 6, k), k % 2 == 0);
      }
      // The dark module beside the bottom-left finder.
      CHECK(module(m, 8, m.size - 8));
    }
  }
}

TEST(qr_encode_is_byte_exact_and_deterministic) {
  const QrMatrix lower = totp_native::qr_encode("otpauth://totp/abc", QrEcc::kMedium);
  const QrMatrix upper = totp_native::qr_encode("OTPAUTH://TOTP/ABC", QrEcc::kMedium);
  CHECK(lower.dark != upper.dark);
  CHECK(lower.dark == totp_native::qr_encode("otpauth://totp/abc", QrEcc::kMedium).dark);
  const std::string with_nul("a\0b\xff", 4);
  CHECK_EQ(totp_native::qr_encode(with_nul, QrEcc::kLow).size, 21);
}

TEST(qr_svg_is_one_path_over_an_opaque_background) {
  const std::string data = "otpauth://totp/Issuer:user?secret=JBSWY3DPEHPK3PXP&issuer=Issuer";
  const QrMatrix m = totp_native::qr_encode(data, QrEcc::kMedium);
  for (const int border : {0, 1, 4, 64}) {
    const std::string svg = totp_native::qr_svg(data, QrEcc::kMedium, border, "#123", "#fAfBfC");
    const int extent = m.size + 2 * border;
    const std::string side = std::to_string(extent);
    CHECK_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), std::size_t{0});
    CHECK(svg.find("viewBox=\"0 0 " + side + " " + side + "\"") != std::string::npos);
    CHECK(svg.find("shape-rendering=\"crispEdges\"") != std::string::npos);
    CHECK(svg.find("<rect width=\"" + side + "\" height=\"" + side + "\" fill=\"#fAfBfC\"/>") !=
          std::string::npos);
    CHECK(svg.find("<path fill=\"#123\"") != std::string::npos);
    CHECK_EQ(count(svg, "<path"), std::size_t{1});
    CHECK_EQ(count(svg, "<rect"), std::size_t{1});
    CHECK(svg.find("</svg>") != std::string::npos);

    int runs = 0;
    const auto grid = svg_modules(svg, extent, &runs);
    int expected_runs = 0;
    for (int y = 0; y < extent; ++y) {
      for (int x = 0; x < extent; ++x) {
        const int mx = x - border, my = y - border;
        const bool inside = mx >= 0 && my >= 0 && mx < m.size && my < m.size;
        const bool dark = inside && module(m, mx, my);
        if (grid[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] != dark) {
          harness::record_failure(__FILE__, __LINE__, "svg module differs from the matrix");
          return;
        }
        if (dark && (mx == 0 || !module(m, mx - 1, my))) ++expected_runs;
      }
    }
    CHECK_EQ(runs, expected_runs);
  }
}

TEST(qr_svg_rejects_bad_parameters) {
  using totp_native::qr_svg;
  CHECK_THROWS_AS(qr_svg("", QrEcc::kMedium, 4, "#000", "#fff"), InvalidArgument);
  CHECK_THROWS_AS(qr_svg("x", QrEcc::kMedium, -1, "#000", "#fff"), InvalidArgument);
  CHECK_THROWS_AS(qr_svg("x", QrEcc::kMedium, 65, "#000", "#fff"), InvalidArgument);
  for (const char* colour : {"red", "#12", "#1234", "#12345", "#1234567", "#gggggg", "000000",
                             "", "#", "\"/><script>", "#00000\"", "#fff "}) {
    CHECK_THROWS_AS(qr_svg("x", QrEcc::kMedium, 4, colour, "#fff"), InvalidArgument);
    CHECK_THROWS_AS(qr_svg("x", QrEcc::kMedium, 4, "#000", colour), InvalidArgument);
  }
  CHECK_THROWS_AS(qr_svg(std::string(3000, 'a'), QrEcc::kLow, 4, "#000", "#fff"), InvalidArgument);
}

TEST(qr_png_is_a_one_bit_greyscale_image_of_the_matrix) {
  const std::string data = "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP";
  const QrMatrix m = totp_native::qr_encode(data, QrEcc::kQuartile);
  const std::vector<std::pair<int, int>> borders_and_scales = {
      {4, 8}, {0, 1}, {1, 3}, {2, 64}, {64, 1}};
  for (const auto& [border, scale] : borders_and_scales) {
    const PngImage image = read_png(totp_native::qr_png(data, QrEcc::kQuartile, border, scale));
    const auto side = static_cast<std::uint32_t>((m.size + 2 * border) * scale);
    CHECK_EQ(image.width, side);
    CHECK_EQ(image.height, side);
    REQUIRE(image.dark.size() == side);
    bool same = true;
    for (std::uint32_t y = 0; y < side && same; ++y) {
      for (std::uint32_t x = 0; x < side && same; ++x) {
        const int mx = static_cast<int>(x) / scale - border;
        const int my = static_cast<int>(y) / scale - border;
        const bool inside = mx >= 0 && my >= 0 && mx < m.size && my < m.size;
        same = image.dark[y][x] == (inside && module(m, mx, my));
      }
    }
    CHECK(same);
  }
}

TEST(qr_png_rejects_bad_parameters) {
  using totp_native::qr_png;
  CHECK_THROWS_AS(qr_png("", QrEcc::kMedium, 4, 8), InvalidArgument);
  CHECK_THROWS_AS(qr_png("x", QrEcc::kMedium, -1, 8), InvalidArgument);
  CHECK_THROWS_AS(qr_png("x", QrEcc::kMedium, 65, 8), InvalidArgument);
  CHECK_THROWS_AS(qr_png("x", QrEcc::kMedium, 4, 0), InvalidArgument);
  CHECK_THROWS_AS(qr_png("x", QrEcc::kMedium, 4, 65), InvalidArgument);
  CHECK_THROWS_AS(qr_png(std::string(1700, 'a'), QrEcc::kQuartile, 4, 8), InvalidArgument);
}
