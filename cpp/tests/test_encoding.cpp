// Base32 (RFC 4648 section 10 vectors from tests/vectors, the lenient input rules TOTP
// secrets need, strict rejection of everything else) and base64url (RFC 4648 vectors
// mapped to the URL-safe alphabet, strictness of the decoder).
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"

using totp_native::InvalidArgument;

namespace {

using harness::from_hex;

struct Base32Vector {
  std::vector<std::uint8_t> data;
  std::string padded;
};

std::vector<Base32Vector> base32_vectors() {
  std::istringstream in(harness::read_file(harness::vectors_dir() / "rfc4648_base32.txt"));
  std::vector<Base32Vector> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string hex, text;
    fields >> hex >> text;
    out.push_back({hex == "-" ? std::vector<std::uint8_t>{} : from_hex(hex),
                   text == "-" ? std::string() : text});
  }
  return out;
}

std::vector<std::uint8_t> to_vector(const totp_native::SecureBuffer& b) {
  return {b.data(), b.data() + b.size()};
}

std::string strip_padding(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::vector<std::uint8_t> pseudo_random(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> out(n);
  for (auto& b : out) {
    seed = seed * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(seed >> 24);
  }
  return out;
}

}  // namespace

TEST(encoding_base32_rfc4648_vectors) {
  const auto vectors = base32_vectors();
  CHECK_EQ(vectors.size(), std::size_t{7});
  for (const auto& v : vectors) {
    CHECK_EQ(totp_native::base32_encode(v.data, true), v.padded);
    CHECK_EQ(totp_native::base32_encode(v.data, false), strip_padding(v.padded));
    CHECK(to_vector(totp_native::base32_decode(v.padded)) == v.data);
    CHECK(to_vector(totp_native::base32_decode(strip_padding(v.padded))) == v.data);
    CHECK(to_vector(totp_native::base32_decode(lower(v.padded))) == v.data);
  }
}

TEST(encoding_base32_ignores_spaces_and_dashes) {
  // Secrets are shown in groups ("JBSW Y3DP ...") and typed back with separators.
  const auto want = to_vector(totp_native::base32_decode("JBSWY3DPEHPK3PXP"));
  CHECK_EQ(want.size(), std::size_t{10});
  CHECK(to_vector(totp_native::base32_decode("jbsw y3dp ehpk 3pxp")) == want);
  CHECK(to_vector(totp_native::base32_decode("JBSW-Y3DP-EHPK-3PXP")) == want);
  CHECK(to_vector(totp_native::base32_decode(" J-b S w Y3dPEHpk3pxP ")) == want);
  CHECK(to_vector(totp_native::base32_decode("MY====== ")) == std::vector<std::uint8_t>{0x66});
  CHECK(to_vector(totp_native::base32_decode("my")) == std::vector<std::uint8_t>{0x66});
  CHECK(totp_native::base32_decode("").empty());
  CHECK(totp_native::base32_decode(" - ").empty());
}

TEST(encoding_base32_round_trips_every_length) {
  for (std::size_t n = 0; n <= 80; ++n) {
    const auto data = pseudo_random(n, static_cast<std::uint32_t>(n * 7919));
    const std::string padded = totp_native::base32_encode(data, true);
    const std::string bare = totp_native::base32_encode(data, false);
    CHECK_EQ(padded.size() % 8, std::size_t{0});
    CHECK_EQ(bare.size(), (n * 8 + 4) / 5);
    CHECK_EQ(strip_padding(padded), bare);
    CHECK(to_vector(totp_native::base32_decode(padded)) == data);
    CHECK(to_vector(totp_native::base32_decode(bare)) == data);
    for (char c : bare) CHECK((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'));
  }
}

TEST(encoding_base32_rejects_malformed_text) {
  using totp_native::base32_decode;
  // Characters outside the alphabet (0, 1, 8, 9 are not base32), other separators.
  for (const char* bad : {"JBSWY3DPEHPK3PX0", "JBSWY3DPEHPK3PX1", "JBSWY3DPEHPK3PX8",
                          "JBSWY3DPEHPK3PX9", "JBSWY3DP_EHPK3PXP", "JBSWY3DP.EHPK3PXP",
                          "JBSWY3DP\tEHPK3PXP", "JBSWY3DP\nEHPK3PXP", "JBSWY3DP+EHPK3PXP",
                          "JBSWY3DPEHPK3PX\xC3\xA9"}) {
    CHECK_THROWS_AS(base32_decode(bad), InvalidArgument);
  }
  CHECK_THROWS_AS(base32_decode(std::string_view("MZXW\0" "6YQ", 8)), InvalidArgument);
  // Lengths no encoder produces: 1, 3 or 6 symbols in the last group.
  for (const char* bad : {"M", "MZX", "MZXW6Y", "MZXW6YTBM", "MZXW6YTBOI3", "MZXW6YTBOIABCD"}) {
    CHECK_THROWS_AS(base32_decode(bad), InvalidArgument);
  }
  // Padding: only at the end, and the right amount when present.
  for (const char* bad : {"MY=", "MY=====", "MY=======", "MZXW6YQ==", "MY==MY==", "=MY",
                          "MY======MY======", "MZ=XQ==="}) {
    CHECK_THROWS_AS(base32_decode(bad), InvalidArgument);
  }
}

TEST(encoding_base64url_rfc4648_vectors) {
  // RFC 4648 section 10 base64 vectors; none of them uses '+' or '/', so they are also
  // the URL-safe encodings.
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    const std::string_view p(plain);
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(p.data()),
                                              p.size());
    CHECK_EQ(totp_native::base64url_encode(bytes, true), std::string(encoded));
    CHECK_EQ(totp_native::base64url_encode(bytes, false), strip_padding(encoded));
    std::vector<std::uint8_t> out;
    CHECK(totp_native::base64url_decode(encoded, out));
    CHECK(std::string(out.begin(), out.end()) == p);
    CHECK(totp_native::base64url_decode(strip_padding(encoded), out));
    CHECK(std::string(out.begin(), out.end()) == p);
  }
}

TEST(encoding_base64url_alphabet_round_trip_and_strictness) {
  for (std::size_t n = 0; n <= 70; ++n) {
    const auto data = pseudo_random(n, static_cast<std::uint32_t>(n + 99));
    const std::string text = totp_native::base64url_encode(data, false);
    for (char c : text) {
      CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_');
    }
    std::vector<std::uint8_t> out;
    CHECK(totp_native::base64url_decode(text, out));
    CHECK(out == data);
  }
  // All 64 symbols appear when every 6-bit value is encoded; '-' and '_' take the places
  // of '+' and '/'.
  std::vector<std::uint8_t> all_values;
  for (unsigned v = 0; v < 64; v += 4) {
    const std::uint32_t group = (v << 18) | ((v + 1) << 12) | ((v + 2) << 6) | (v + 3);
    all_values.push_back(static_cast<std::uint8_t>(group >> 16));
    all_values.push_back(static_cast<std::uint8_t>(group >> 8));
    all_values.push_back(static_cast<std::uint8_t>(group));
  }
  const std::string every = totp_native::base64url_encode(all_values, false);
  CHECK_EQ(every, std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"));

  std::vector<std::uint8_t> out{1, 2, 3};
  for (const char* bad : {"Zm9v+Yg", "Zm9v/Yg", "Zm9vY", "Zm9vYg=", "Zm9vYg===", "Zg=Zg==",
                          "Zm9v Yg", "Zh", "Zm9=", "Zm9vYh==", "Z===", "Zm9vYg==\n"}) {
    CHECK(!totp_native::base64url_decode(bad, out));
    CHECK(out.empty());
  }
}
