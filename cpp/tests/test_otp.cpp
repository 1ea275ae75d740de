// HOTP/TOTP against RFC 4226 Appendix D and RFC 6238 Appendix B (read from
// tests/vectors), an independent HMAC (OpenSSL's one-shot HMAC()) for keys of every
// length, and the totp_match rules: window, replay floor, nearest wins, earlier on a tie,
// and the user-input normalisation of codes.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "totp_native/backup_codes.hpp"
#include "totp_native/challenge.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/otp.hpp"

using totp_native::HashAlgorithm;
using totp_native::InvalidArgument;
using totp_native::OtpParams;

namespace {

using harness::from_hex;

// vector_rows returns the whitespace-separated fields of every non-comment line.
std::vector<std::vector<std::string>> vector_rows(const char* file) {
  std::istringstream in(harness::read_file(harness::vectors_dir() / file));
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::vector<std::string> row;
    std::string field;
    while (fields >> field) row.push_back(field);
    if (!row.empty()) rows.push_back(row);
  }
  return rows;
}

const EVP_MD* evp_of(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::kSha1: return EVP_sha1();
    case HashAlgorithm::kSha256: return EVP_sha256();
    case HashAlgorithm::kSha512: return EVP_sha512();
  }
  return EVP_sha1();
}

// reference_hotp is RFC 4226 section 5.3 written out over OpenSSL's HMAC().
std::string reference_hotp(const std::vector<std::uint8_t>& key, std::uint64_t counter,
                           int digits, HashAlgorithm a) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(counter & 0xFFu);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  REQUIRE(HMAC(evp_of(a), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac,
               &mac_len) != nullptr);
  const unsigned offset = mac[mac_len - 1] & 0x0Fu;
  const std::uint32_t bin = ((std::uint32_t{mac[offset]} & 0x7Fu) << 24) |
                            (std::uint32_t{mac[offset + 1]} << 16) |
                            (std::uint32_t{mac[offset + 2]} << 8) | std::uint32_t{mac[offset + 3]};
  std::uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string code = std::to_string(bin % mod);
  return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

OtpParams params_with(int digits = 6, std::int64_t period = 30, int window = 1,
                      HashAlgorithm a = HashAlgorithm::kSha1, std::int64_t t0 = 0) {
  OtpParams p;
  p.algorithm = a;
  p.digits = digits;
  p.period = period;
  p.window = window;
  p.t0 = t0;
  return p;
}

// A cheap deterministic generator for keys and counters (the core's CSPRNG is not
// what is under test here).
std::uint64_t next(std::uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

const std::vector<std::uint8_t> kRfcKey = {'1', '2', '3', '4', '5', '6', '7', '8', '9', '0',
                                           '1', '2', '3', '4', '5', '6', '7', '8', '9', '0'};

}  // namespace

TEST(otp_rfc4226_vectors) {
  const auto rows = vector_rows("rfc4226.txt");
  CHECK_EQ(rows.size(), std::size_t{10});
  for (const auto& r : rows) {
    REQUIRE(r.size() == 5);
    const auto key = from_hex(r[0]);
    const auto counter = static_cast<std::uint64_t>(std::stoull(r[1]));
    const int digits = std::stoi(r[2]);
    CHECK_EQ(totp_native::hotp(key, counter, digits, totp_native::parse_hash_algorithm(r[3])),
             r[4]);
  }
}

TEST(otp_rfc6238_vectors_all_algorithms) {
  const auto rows = vector_rows("rfc6238.txt");
  CHECK_EQ(rows.size(), std::size_t{18});
  int per_algorithm[3] = {0, 0, 0};
  for (const auto& r : rows) {
    REQUIRE(r.size() == 6);
    const auto key = from_hex(r[0]);
    const double when = std::stod(r[1]);
    const auto algorithm = totp_native::parse_hash_algorithm(r[4]);
    ++per_algorithm[static_cast<int>(algorithm)];
    const OtpParams p = params_with(std::stoi(r[3]), std::stoll(r[2]), 1, algorithm);
    CHECK_EQ(totp_native::totp(key, when, p), r[5]);
    // The published code is accepted at that time and names the step that contains it.
    const auto step = totp_native::totp_match(key, r[5], when, p);
    CHECK(step.has_value());
    if (step) CHECK_EQ(*step, static_cast<std::int64_t>(std::stoll(r[1]) / std::stoll(r[2])));
  }
  CHECK_EQ(per_algorithm[0], 6);
  CHECK_EQ(per_algorithm[1], 6);
  CHECK_EQ(per_algorithm[2], 6);
}

TEST(otp_hotp_matches_openssl_hmac_for_every_key_length) {
  // Keys shorter than, equal to and longer than the hash block (64 / 128 bytes) take
  // different paths through HMAC's key schedule.
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  const HashAlgorithm algorithms[] = {HashAlgorithm::kSha1, HashAlgorithm::kSha256,
                                      HashAlgorithm::kSha512};
  for (std::size_t len = 1; len <= 200; ++len) {
    std::vector<std::uint8_t> key(len);
    for (auto& b : key) b = static_cast<std::uint8_t>(next(state));
    for (const auto a : algorithms) {
      for (int digits = 6; digits <= 8; ++digits) {
        const std::uint64_t counter = next(state) >> (len % 64);
        CHECK_EQ(totp_native::hotp(key, counter, digits, a),
                 reference_hotp(key, counter, digits, a));
      }
    }
  }
  // Counters that exercise every byte of the big-endian counter, including the top bit.
  for (const std::uint64_t counter :
       {std::uint64_t{0}, std::uint64_t{255}, std::uint64_t{256}, std::uint64_t{1} << 32,
        std::uint64_t{1} << 63, std::numeric_limits<std::uint64_t>::max()}) {
    CHECK_EQ(totp_native::hotp(kRfcKey, counter, 8, HashAlgorithm::kSha1),
             reference_hotp(kRfcKey, counter, 8, HashAlgorithm::kSha1));
  }
}

TEST(otp_totp_uses_floor_of_time_minus_t0_over_period) {
  std::uint64_t state = 12345;
  for (int i = 0; i < 300; ++i) {
    const std::int64_t period = static_cast<std::int64_t>(next(state) % 120) + 1;
    const std::int64_t t0 = static_cast<std::int64_t>(next(state) % 100000);
    const double when = static_cast<double>(t0) +
                        static_cast<double>(next(state) % 4000000000ull) +
                        static_cast<double>(next(state) % 1000) / 1000.0;
    const auto step = static_cast<std::uint64_t>(
        std::floor((when - static_cast<double>(t0)) / static_cast<double>(period)));
    const OtpParams p = params_with(8, period, 1, HashAlgorithm::kSha256, t0);
    CHECK_EQ(totp_native::totp(kRfcKey, when, p),
             reference_hotp(kRfcKey, step, 8, HashAlgorithm::kSha256));
    CHECK_EQ(totp_native::totp_step(when, period, t0), static_cast<std::int64_t>(step));
  }
  // The last second of a step and the first of the next differ in step.
  CHECK_EQ(totp_native::totp_step(59.999, 30, 0), 1);
  CHECK_EQ(totp_native::totp_step(60.0, 30, 0), 2);
  CHECK_EQ(totp_native::totp_step(-0.5, 30, 0), -1);
  // Step 0 (the first period after t0) is defined: its code is HOTP at counter 0.
  const OtpParams first = params_with(6, 30, 1, HashAlgorithm::kSha1, 1000);
  CHECK_EQ(totp_native::totp(kRfcKey, 1000.0, first), reference_hotp(kRfcKey, 0, 6, HashAlgorithm::kSha1));
  CHECK_EQ(totp_native::totp(kRfcKey, 1029.5, first), reference_hotp(kRfcKey, 0, 6, HashAlgorithm::kSha1));
}

TEST(otp_parse_hash_algorithm) {
  CHECK(totp_native::parse_hash_algorithm("SHA1") == HashAlgorithm::kSha1);
  CHECK(totp_native::parse_hash_algorithm("sha256") == HashAlgorithm::kSha256);
  CHECK(totp_native::parse_hash_algorithm("Sha512") == HashAlgorithm::kSha512);
  for (const char* bad : {"", "MD5", "SHA3", "SHA384", "SHA224", "SHA1 ", "SHA", "SHA5120"}) {
    CHECK_THROWS_AS(totp_native::parse_hash_algorithm(bad), InvalidArgument);
  }
}

TEST(otp_bad_parameters_throw_invalid_argument) {
  using totp_native::hotp;
  using totp_native::totp;
  using totp_native::totp_match;
  CHECK_THROWS_AS(hotp(kRfcKey, 0, 5), InvalidArgument);
  CHECK_THROWS_AS(hotp(kRfcKey, 0, 9), InvalidArgument);
  CHECK_THROWS_AS(hotp(kRfcKey, 0, -1), InvalidArgument);
  CHECK_THROWS_AS(hotp(std::span<const std::uint8_t>(), 0, 6), InvalidArgument);
  CHECK_THROWS_AS(totp(kRfcKey, 59, params_with(6, 0)), InvalidArgument);
  CHECK_THROWS_AS(totp(kRfcKey, 59, params_with(6, -30)), InvalidArgument);
  CHECK_THROWS_AS(totp(kRfcKey, 59, params_with(9)), InvalidArgument);
  CHECK_THROWS_AS(totp(std::span<const std::uint8_t>(), 59, params_with()), InvalidArgument);
  CHECK_THROWS_AS(totp(kRfcKey, std::nan(""), params_with()), InvalidArgument);
  CHECK_THROWS_AS(totp(kRfcKey, std::numeric_limits<double>::infinity(), params_with()),
                  InvalidArgument);
  // Before t0 TOTP is undefined.
  CHECK_THROWS_AS(totp(kRfcKey, 99, params_with(6, 30, 1, HashAlgorithm::kSha1, 100)),
                  InvalidArgument);
  CHECK_THROWS_AS((void)totp_match(kRfcKey, "123456", 59, params_with(6, 30, -1)),
                  InvalidArgument);
  CHECK_THROWS_AS((void)totp_match(kRfcKey, "123456", 59,
                                   params_with(6, 30, totp_native::kMaxWindow + 1)),
                  InvalidArgument);
  CHECK_THROWS_AS((void)totp_match(kRfcKey, "123456", 59, params_with(6, 0)), InvalidArgument);
  CHECK_THROWS_AS((void)totp_match(kRfcKey, "123456", 59, params_with(5)), InvalidArgument);
  CHECK_THROWS_AS((void)totp_match(std::span<const std::uint8_t>(), "123456", 59, params_with()),
                  InvalidArgument);
  CHECK_THROWS_AS((void)totp_match(kRfcKey, "123456", std::nan(""), params_with()),
                  InvalidArgument);
  // Bad parameters are reported even when the code is garbage (no silent "no match").
  CHECK_THROWS_AS((void)totp_match(kRfcKey, "garbage", 59, params_with(10)), InvalidArgument);
  // kMaxWindow itself is accepted.
  CHECK(!totp_match(kRfcKey, "abc", 59, params_with(6, 30, totp_native::kMaxWindow)).has_value());
}

TEST(otp_match_window_and_replay_floor) {
  const OtpParams p1 = params_with(6, 30, 1);
  const std::int64_t now_step = 40000000;
  const double now = static_cast<double>(now_step) * 30 + 17.5;
  auto code_at = [](std::int64_t step) {
    return totp_native::hotp(kRfcKey, static_cast<std::uint64_t>(step), 6);
  };
  for (std::int64_t delta = -1; delta <= 1; ++delta) {
    const auto got = totp_native::totp_match(kRfcKey, code_at(now_step + delta), now, p1);
    CHECK(got.has_value());
    if (got) CHECK_EQ(*got, now_step + delta);
  }
  for (const std::int64_t delta : {std::int64_t{-3}, std::int64_t{-2}, std::int64_t{2},
                                   std::int64_t{3}}) {
    const std::string code = code_at(now_step + delta);
    bool collides = false;  // a 6-digit code of a far step may equal a near one
    for (std::int64_t d = -1; d <= 1; ++d) collides = collides || code == code_at(now_step + d);
    if (!collides) CHECK(!totp_native::totp_match(kRfcKey, code, now, p1).has_value());
    const auto wide = totp_native::totp_match(kRfcKey, code, now, params_with(6, 30, 3));
    CHECK(wide.has_value());
  }
  // window 0: only the current step.
  CHECK(totp_native::totp_match(kRfcKey, code_at(now_step), now, params_with(6, 30, 0)).has_value());
  if (code_at(now_step - 1) != code_at(now_step)) {
    CHECK(!totp_native::totp_match(kRfcKey, code_at(now_step - 1), now, params_with(6, 30, 0))
               .has_value());
  }
  // Replay floor: steps <= after_step are never accepted.
  const std::string current = code_at(now_step);
  CHECK(!totp_native::totp_match(kRfcKey, current, now, p1, now_step).has_value());
  CHECK(!totp_native::totp_match(kRfcKey, current, now, p1, now_step + 5).has_value());
  const auto above_floor = totp_native::totp_match(kRfcKey, current, now, p1, now_step - 1);
  CHECK(above_floor.has_value());
  if (above_floor) CHECK_EQ(*above_floor, now_step);
  const auto next_code = totp_native::totp_match(kRfcKey, code_at(now_step + 1), now, p1, now_step);
  CHECK(next_code.has_value());
  if (next_code) CHECK_EQ(*next_code, now_step + 1);
  // A wrong code of the right shape is refused.
  std::string wrong = current;
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  bool wrong_is_valid = false;
  for (std::int64_t d = -1; d <= 1; ++d) wrong_is_valid = wrong_is_valid || wrong == code_at(now_step + d);
  if (!wrong_is_valid) CHECK(!totp_native::totp_match(kRfcKey, wrong, now, p1).has_value());
  // Steps before t0 (negative) are never candidates, and near t0 the match still works.
  const OtpParams at_start = params_with(6, 30, 2, HashAlgorithm::kSha1, 1000);
  const auto first = totp_native::totp_match(kRfcKey, code_at(0), 1000.0, at_start);
  CHECK(first.has_value());
  if (first) CHECK_EQ(*first, 0);
}

TEST(otp_match_nearest_wins_and_earlier_on_tie) {
  // Find, for a fixed key, two counters with the same 6-digit code a short distance apart;
  // then place "now" between or beside them.
  const std::vector<std::uint8_t> key = {0x5a, 0x17, 0xc3, 0x99, 0x01, 0x42, 0x8e, 0x77,
                                         0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80};
  std::vector<std::int64_t> last_seen(1000000, -1);  // indexed by the code's value
  std::optional<std::pair<std::int64_t, std::int64_t>> even_pair, close_pair;
  for (std::int64_t c = 0; c < 3000000 && !(even_pair && close_pair); ++c) {
    const std::string code = totp_native::hotp(key, static_cast<std::uint64_t>(c), 6);
    auto& seen = last_seen[static_cast<std::size_t>(std::stoul(code))];
    if (seen >= 0) {
      const std::int64_t gap = c - seen;
      if (!even_pair && gap >= 2 && gap <= 20 && gap % 2 == 0) even_pair = {{seen, c}};
      if (!close_pair && gap >= 3 && gap <= 10) close_pair = {{seen, c}};
    }
    seen = c;
  }
  REQUIRE(even_pair && close_pair);
  auto only_pair_in = [&](std::int64_t a, std::int64_t b, std::int64_t lo, std::int64_t hi) {
    const std::string code = totp_native::hotp(key, static_cast<std::uint64_t>(a), 6);
    for (std::int64_t s = lo; s <= hi; ++s) {
      if (s != a && s != b && totp_native::hotp(key, static_cast<std::uint64_t>(s), 6) == code)
        return false;
    }
    return true;
  };
  {
    const auto [a, b] = *even_pair;
    const std::int64_t mid = (a + b) / 2, half = (b - a) / 2;
    REQUIRE(only_pair_in(a, b, mid - half, mid + half));
    const std::string code = totp_native::hotp(key, static_cast<std::uint64_t>(a), 6);
    const double now = static_cast<double>(mid) * 30 + 1;
    const auto tie = totp_native::totp_match(key, code, now, params_with(6, 30, static_cast<int>(half)));
    CHECK(tie.has_value());
    if (tie) CHECK_EQ(*tie, a);  // equal distance: the earlier step
    // With the earlier one burnt, the later one is still accepted.
    const auto after = totp_native::totp_match(key, code, now, params_with(6, 30, static_cast<int>(half)), a);
    CHECK(after.has_value());
    if (after) CHECK_EQ(*after, b);
  }
  {
    const auto [a, b] = *close_pair;
    const int gap = static_cast<int>(b - a);
    REQUIRE(only_pair_in(a, b, a - gap, b + gap));
    const std::string code = totp_native::hotp(key, static_cast<std::uint64_t>(a), 6);
    const auto near_b = totp_native::totp_match(key, code, static_cast<double>(b - 1) * 30,
                                                params_with(6, 30, gap));
    CHECK(near_b.has_value());
    if (near_b) CHECK_EQ(*near_b, b);
    const auto near_a = totp_native::totp_match(key, code, static_cast<double>(a + 1) * 30,
                                                params_with(6, 30, gap));
    CHECK(near_a.has_value());
    if (near_a) CHECK_EQ(*near_a, a);
  }
}

TEST(otp_normalize_code_user_input) {
  using totp_native::normalize_otp_code;
  auto is = [](std::optional<std::string> got, std::string_view want) {
    return got.has_value() && *got == want;
  };
  CHECK(is(normalize_otp_code("123456", 6), "123456"));
  CHECK(is(normalize_otp_code(" 123 456 ", 6), "123456"));
  CHECK(is(normalize_otp_code("\t12 34\n56\r", 6), "123456"));
  // Fullwidth digits and an ideographic space, as typed with a CJK input method.
  CHECK(is(normalize_otp_code("\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xE3\x80\x80"
                              "\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96",
                              6),
           "123456"));
  // No-break space and mathematical bold digits (U+1D7CF = bold 1).
  CHECK(is(normalize_otp_code("12\xC2\xA0" "3456", 6), "123456"));
  CHECK(is(normalize_otp_code("\xF0\x9D\x9F\x8F" "2345678", 8), "12345678"));
  CHECK(is(normalize_otp_code("1234567", 7), "1234567"));
  // Wrong length, letters, punctuation and digits of other scripts are refused.
  CHECK(!normalize_otp_code("12345", 6).has_value());
  CHECK(!normalize_otp_code("1234567", 6).has_value());
  CHECK(!normalize_otp_code("", 6).has_value());
  CHECK(!normalize_otp_code("      ", 6).has_value());
  CHECK(!normalize_otp_code("12a456", 6).has_value());
  CHECK(!normalize_otp_code("123-456", 6).has_value());
  CHECK(!normalize_otp_code("123.456", 6).has_value());
  CHECK(!normalize_otp_code("+123456", 6).has_value());
  // Arabic-Indic digits are digits, but not ASCII digits after NFKC.
  CHECK(!normalize_otp_code("\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4\xD9\xA5\xD9\xA6", 6).has_value());
  // Zero-width space is not whitespace for NFKC/isspace.
  CHECK(!normalize_otp_code("123\xE2\x80\x8B" "456", 6).has_value());
  // Invalid UTF-8: a stray continuation byte, an overlong '1', an encoded surrogate.
  CHECK(!normalize_otp_code("123456\x80", 6).has_value());
  CHECK(!normalize_otp_code("\xC0\xB1" "23456", 6).has_value());
  CHECK(!normalize_otp_code("\xED\xA0\x80" "123456", 6).has_value());
  CHECK(!normalize_otp_code(std::string_view("123\0" "456", 7), 6).has_value());
  // totp_match applies the same rule.
  const OtpParams p = params_with(6, 30, 0);
  const std::string code = totp_native::hotp(kRfcKey, 1, 6);
  std::string fullwidth;
  for (char c : code) {
    fullwidth += "\xEF\xBC";
    fullwidth.push_back(static_cast<char>(0x90 + (c - '0')));
    fullwidth += " ";
  }
  const auto matched = totp_native::totp_match(kRfcKey, fullwidth, 45, p);
  CHECK(matched.has_value());
  if (matched) CHECK_EQ(*matched, 1);
  CHECK(!totp_native::totp_match(kRfcKey, code + "0", 45, p).has_value());
}

TEST(otp_provisioning_uri_shape_and_errors) {
  const std::string uri = totp_native::provisioning_uri(
      "jbsw y3dp-ehpk 3pxp", "alice@example.com", std::string_view("Example Co"),
      HashAlgorithm::kSha256, 8, 60, std::nullopt);
  CHECK(uri.rfind("otpauth://totp/Example%20Co:alice@example.com?", 0) == 0);
  CHECK(uri.find("secret=JBSWY3DPEHPK3PXP") != std::string::npos);
  CHECK(uri.find("issuer=Example%20Co") != std::string::npos);
  CHECK(uri.find("algorithm=SHA256") != std::string::npos);
  CHECK(uri.find("digits=8") != std::string::npos);
  CHECK(uri.find("period=60") != std::string::npos);
  CHECK(uri.find(' ') == std::string::npos);
  const std::string plain = totp_native::provisioning_uri(
      "JBSWY3DPEHPK3PXP", "bob", std::nullopt, HashAlgorithm::kSha1, 6, 30, std::nullopt);
  CHECK(plain.rfind("otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP", 0) == 0);
  CHECK(plain.find("issuer=") == std::string::npos);
  using totp_native::provisioning_uri;
  CHECK_THROWS_AS(provisioning_uri("JBSWY3DPEHPK3PXP", "", std::nullopt, HashAlgorithm::kSha1, 6,
                                   30, std::nullopt),
                  InvalidArgument);
  CHECK_THROWS_AS(provisioning_uri("JBSWY3DPEHPK3PXP", "a", std::string_view("Evil:Co"),
                                   HashAlgorithm::kSha1, 6, 30, std::nullopt),
                  InvalidArgument);
  CHECK_THROWS_AS(provisioning_uri("JBSWY3DPEHPK3PX1", "a", std::nullopt, HashAlgorithm::kSha1, 6,
                                   30, std::nullopt),
                  InvalidArgument);
  CHECK_THROWS_AS(provisioning_uri("", "a", std::nullopt, HashAlgorithm::kSha1, 6, 30,
                                   std::nullopt),
                  InvalidArgument);
  CHECK_THROWS_AS(provisioning_uri("JBSWY3DPEHPK3PXP", "a", std::nullopt, HashAlgorithm::kSha1, 9,
                                   30, std::nullopt),
                  InvalidArgument);
  CHECK_THROWS_AS(provisioning_uri("JBSWY3DPEHPK3PXP", "a", std::nullopt, HashAlgorithm::kSha1, 6,
                                   0, std::nullopt),
                  InvalidArgument);
}

TEST(otp_concurrent_calls_agree_with_sequential_ones) {
  // The native functions share process-wide state (fetched digests, the CSPRNG); eight
  // threads calling them at once must see exactly the sequential results.
  struct Case {
    std::vector<std::uint8_t> key;
    std::uint64_t counter;
    int digits;
    HashAlgorithm algorithm;
    std::string hotp_value, base32, digest;
  };
  std::uint64_t state = 0xDEADBEEFCAFEF00Dull;
  const HashAlgorithm algorithms[] = {HashAlgorithm::kSha1, HashAlgorithm::kSha256,
                                      HashAlgorithm::kSha512};
  std::vector<Case> cases(300);
  for (auto& c : cases) {
    c.key.resize(1 + next(state) % 150);
    for (auto& b : c.key) b = static_cast<std::uint8_t>(next(state));
    c.counter = next(state) >> 20;
    c.digits = 6 + static_cast<int>(next(state) % 3);
    c.algorithm = algorithms[next(state) % 3];
    c.hotp_value = totp_native::hotp(c.key, c.counter, c.digits, c.algorithm);
    c.base32 = totp_native::base32_encode(c.key);
    c.digest = totp_native::backup_code_digest(c.key, c.base32.substr(0, 20));
  }
  const std::string challenge_key = "concurrent-challenge-key";
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int round = 0; round < 10; ++round) {
          for (std::size_t i = 0; i < cases.size(); ++i) {
            const Case& c = cases[(i * 7 + static_cast<std::size_t>(t) * 31) % cases.size()];
            if (totp_native::hotp(c.key, c.counter, c.digits, c.algorithm) != c.hotp_value) ++mismatches;
            const OtpParams p = params_with(c.digits, 30, 1, c.algorithm);
            const auto step = totp_native::totp_match(
                c.key, c.hotp_value, static_cast<double>(c.counter) * 30 + 1, p);
            if (!step || *step != static_cast<std::int64_t>(c.counter)) ++mismatches;
            const auto decoded = totp_native::base32_decode(c.base32);
            if (!std::equal(decoded.data(), decoded.data() + decoded.size(), c.key.begin(),
                            c.key.end())) {
              ++mismatches;
            }
            if (totp_native::backup_code_digest(c.key, c.base32.substr(0, 20)) != c.digest) ++mismatches;
            if (i % 10 == 0) {
              const std::string subject = std::to_string(t) + "-" + std::to_string(i);
              const auto key = std::span<const std::uint8_t>(
                  reinterpret_cast<const std::uint8_t*>(challenge_key.data()), challenge_key.size());
              const std::string token = totp_native::sign_challenge(key, subject, "login", 1000);
              const auto claims = totp_native::verify_challenge(key, token, "login", 60, 1000);
              if (claims.subject != subject || claims.issued_at != 1000) ++mismatches;
            }
          }
        }
      } catch (...) {
        ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK_EQ(mismatches.load(), 0);
}
