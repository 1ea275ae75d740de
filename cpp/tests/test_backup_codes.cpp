// Backup codes: generated codes (alphabet without I L O U, grouping, distinctness, all
// symbols used), the normalisation of typed input, and the stored digest (checked against
// OpenSSL's HMAC-SHA256 of the normalised code).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"
#include "totp_native/backup_codes.hpp"
#include "totp_native/errors.hpp"

using totp_native::InvalidArgument;

namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool in_alphabet(char c) {
  return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) && c != 'I' && c != 'L' && c != 'O' &&
         c != 'U';
}

std::string hmac_sha256_hex(std::string_view key, std::string_view msg) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
               reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len) != nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 15u]);
  }
  return hex;
}

// expected_shape checks |code| is |length| alphabet symbols with '-' after every |group|.
bool expected_shape(const std::string& code, int length, int group) {
  std::size_t at = 0;
  for (int i = 0; i < length; ++i) {
    if (group > 0 && i > 0 && i % group == 0) {
      if (at >= code.size() || code[at] != '-') return false;
      ++at;
    }
    if (at >= code.size() || !in_alphabet(code[at])) return false;
    ++at;
  }
  return at == code.size();
}

}  // namespace

TEST(backup_codes_alphabet_constant) {
  CHECK_EQ(totp_native::kBackupCodeAlphabet.size(), std::size_t{32});
  std::set<char> symbols(totp_native::kBackupCodeAlphabet.begin(),
                         totp_native::kBackupCodeAlphabet.end());
  CHECK_EQ(symbols.size(), std::size_t{32});
  for (char c : totp_native::kBackupCodeAlphabet) CHECK(in_alphabet(c));
}

TEST(backup_codes_generation_shape) {
  const struct {
    int count, length, group;
  } cases[] = {{10, 12, 4}, {1, 6, 0}, {5, 6, 6}, {3, 12, 5}, {7, 64, 8}, {2, 13, 4}, {4, 8, 1}};
  for (const auto& c : cases) {
    const auto codes = totp_native::generate_backup_codes(c.count, c.length, c.group);
    CHECK_EQ(codes.size(), static_cast<std::size_t>(c.count));
    for (const auto& code : codes) CHECK(expected_shape(code, c.length, c.group));
    CHECK_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), codes.size());
  }
  const auto defaults = totp_native::generate_backup_codes(10, 12, 4);
  for (const auto& code : defaults) CHECK_EQ(code.size(), std::size_t{14});  // XXXX-XXXX-XXXX
}

TEST(backup_codes_are_distinct_and_use_every_symbol) {
  // 1000 short codes: distinct even though 32^6 leaves room for an occasional collision
  // in a naive generator; every symbol appears about 6000 / 32 = 187 times.
  const auto codes = totp_native::generate_backup_codes(1000, 6, 0);
  CHECK_EQ(codes.size(), std::size_t{1000});
  CHECK_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), std::size_t{1000});
  std::array<int, 128> seen{};
  for (const auto& code : codes) {
    for (char c : code) ++seen[static_cast<std::size_t>(c) & 127u];
  }
  for (char c : totp_native::kBackupCodeAlphabet) {
    const int n = seen[static_cast<std::size_t>(c)];
    CHECK(n > 100 && n < 300);
  }
  // Two calls give different codes.
  const auto a = totp_native::generate_backup_codes(10, 12, 4);
  const auto b = totp_native::generate_backup_codes(10, 12, 4);
  CHECK(a != b);
}

TEST(backup_codes_generation_bad_parameters) {
  using totp_native::generate_backup_codes;
  CHECK_THROWS_AS(generate_backup_codes(0, 12, 4), InvalidArgument);
  CHECK_THROWS_AS(generate_backup_codes(-1, 12, 4), InvalidArgument);
  CHECK_THROWS_AS(generate_backup_codes(1001, 12, 4), InvalidArgument);
  CHECK_THROWS_AS(generate_backup_codes(10, 5, 0), InvalidArgument);
  CHECK_THROWS_AS(generate_backup_codes(10, 65, 4), InvalidArgument);
  CHECK_THROWS_AS(generate_backup_codes(10, 12, -1), InvalidArgument);
  CHECK_THROWS_AS(generate_backup_codes(10, 12, 13), InvalidArgument);
  CHECK_EQ(generate_backup_codes(1000, 64, 64).size(), std::size_t{1000});
}

TEST(backup_codes_normalisation) {
  using totp_native::normalize_backup_code;
  CHECK_EQ(normalize_backup_code("ABCD-EFGH-JKMN"), std::string("ABCDEFGHJKMN"));
  CHECK_EQ(normalize_backup_code("abcd efgh jkmn"), std::string("ABCDEFGHJKMN"));
  CHECK_EQ(normalize_backup_code(" \tab-cd\n"), std::string("ABCD"));
  // Crockford lookalikes: O reads as 0, I and L as 1, in either case.
  CHECK_EQ(normalize_backup_code("oOiIlL"), std::string("001111"));
  CHECK_EQ(normalize_backup_code("--7k3m--"), std::string("7K3M"));
  // U is not in the alphabet and is not rewritten (it can never match a code).
  CHECK_EQ(normalize_backup_code("u"), std::string("U"));
  // Fullwidth letters and digits, an ideographic space, a no-break space.
  CHECK_EQ(normalize_backup_code("\xEF\xBD\x81\xEF\xBC\xA2\xE3\x80\x80\xEF\xBC\x91\xC2\xA0"
                                 "\xEF\xBC\xAF"),
           std::string("AB10"));
  // A Unicode hyphen is not '-': NFKC keeps U+2010, which cannot be part of a code.
  CHECK_THROWS_AS(normalize_backup_code("AB\xE2\x80\x90" "CD"), InvalidArgument);
  // Fullwidth hyphen-minus (U+FF0D) is '-' after NFKC, so it is dropped.
  CHECK_EQ(normalize_backup_code("AB\xEF\xBC\x8D" "CD"), std::string("ABCD"));
  // Length: 128 code points is the most; counted in code points, not bytes.
  CHECK_EQ(normalize_backup_code(std::string(128, 'a')), std::string(128, 'A'));
  CHECK_THROWS_AS(normalize_backup_code(std::string(129, 'a')), InvalidArgument);
  std::string wide;
  for (int i = 0; i < 128; ++i) wide += "\xEF\xBC\x91";  // fullwidth 1
  CHECK_EQ(normalize_backup_code(wide), std::string(128, '1'));
  CHECK_THROWS_AS(normalize_backup_code(wide + "\xEF\xBC\x91"), InvalidArgument);
  // Spaces count towards the limit too: the limit is about the input.
  CHECK_THROWS_AS(normalize_backup_code("ABCD" + std::string(125, ' ')), InvalidArgument);
  // Empty after normalisation, foreign characters, invalid UTF-8.
  for (const std::string& bad : {std::string(), std::string(" "), std::string("---"),
                                 std::string(" - \t"), std::string("ABCD!"), std::string("AB_CD"),
                                 std::string("AB.CD"), std::string("\xF0\x9F\x98\x80"),
                                 std::string("ABCD\xF0\x9F\x98\x80"), std::string("AB\xFF" "CD"),
                                 std::string("AB\xC3"), std::string("\xED\xA0\x80"),
                                 std::string("AB\0CD", 5), std::string("\xD9\xA1\xD9\xA2")}) {
    CHECK_THROWS_AS(normalize_backup_code(bad), InvalidArgument);
  }
}

TEST(backup_codes_digest) {
  const std::string key = "backup-code-digest-key";
  const std::string canonical = totp_native::backup_code_digest(bytes_of(key), "7K3M-Q9XD-2HPA");
  CHECK_EQ(canonical, hmac_sha256_hex(key, "7K3MQ9XD2HPA"));
  CHECK_EQ(canonical.size(), std::size_t{64});
  for (const char* typed : {"7k3m q9xd 2hpa", "7K3MQ9XD2HPA", " 7k3m-q9xd-2hpa ",
                            "\xEF\xBC\x97K3M-Q9XD-2HPA"}) {
    CHECK_EQ(totp_native::backup_code_digest(bytes_of(key), typed), canonical);
  }
  CHECK_EQ(totp_native::backup_code_digest(bytes_of(key), "I0L1-oO"),
           hmac_sha256_hex(key, "10110" "0"));
  CHECK(totp_native::backup_code_digest(bytes_of(key), "7K3M-Q9XD-2HPB") != canonical);
  CHECK(totp_native::backup_code_digest(bytes_of(key + "x"), "7K3M-Q9XD-2HPA") != canonical);
  // Keys longer than the SHA-256 block (64 bytes) are hashed first by HMAC.
  for (const std::size_t len : {std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65},
                                std::size_t{200}}) {
    const std::string long_key(len, static_cast<char>('k' + len % 7));
    CHECK_EQ(totp_native::backup_code_digest(bytes_of(long_key), "abcd"),
             hmac_sha256_hex(long_key, "ABCD"));
  }
  CHECK_THROWS_AS(totp_native::backup_code_digest(std::span<const std::uint8_t>(), "ABCD"),
                  InvalidArgument);
  CHECK_THROWS_AS(totp_native::backup_code_digest(bytes_of(key), ""), InvalidArgument);
  CHECK_THROWS_AS(totp_native::backup_code_digest(bytes_of(key), "\xF0\x9F\x98\x80"),
                  InvalidArgument);
  CHECK_THROWS_AS(totp_native::backup_code_digest(bytes_of(key), std::string(129, 'A')),
                  InvalidArgument);
}
