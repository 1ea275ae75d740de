// sealed.cpp: totp_match_sealed and backup_code_digest_sealed against independent answers
// (RFC 6238's published codes, a reference HOTP over OpenSSL's one-shot HMAC, the plain
// backup_code_digest), with the replay floor, the window and every way a token can fail.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"
#include "totp_native/backup_codes.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/fernet.hpp"
#include "totp_native/otp.hpp"
#include "totp_native/sealed.hpp"
#include "totp_native/secure.hpp"

using namespace totp_native;

namespace {

// The RFC 6238 SHA1 seed, "12345678901234567890".
const std::vector<std::uint8_t> kRfcKey = {'1', '2', '3', '4', '5', '6', '7', '8', '9', '0',
                                           '1', '2', '3', '4', '5', '6', '7', '8', '9', '0'};

std::vector<std::vector<std::string>> rows_of(const char* file) {
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

// reference_hotp is RFC 4226 written out over OpenSSL's one-shot HMAC (SHA1), sharing no
// code with the core's HmacKey.
std::string reference_hotp(const std::vector<std::uint8_t>& key, std::int64_t counter,
                           int digits) {
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message, sizeof message, mac,
       &length);
  const unsigned offset = mac[length - 1] & 0x0fu;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7fu) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  char text[16];
  std::snprintf(text, sizeof text, "%0*u", digits, binary % modulus);
  return text;
}

OtpParams params(int digits, int window) {
  OtpParams p;
  p.digits = digits;
  p.window = window;
  return p;
}

// seal returns the Fernet token of |secret|'s base32 text, as django-totp stores it.
std::string seal(const FernetKey& key, const std::vector<std::uint8_t>& secret) {
  return key.encrypt(as_bytes(base32_encode(secret)), 1'700'000'000);
}

struct Keys {
  FernetKey owner{FernetKey::generate()};
  FernetKey stranger{FernetKey::generate()};
  FernetKeyRing ring{{owner}};
  FernetKeyRing rotated{{stranger, owner}};  // the owner's key second, as after rotation
  FernetKeyRing strangers{{stranger, FernetKey(FernetKey::generate())}};
};

}  // namespace

TEST(sealed_match_returns_the_rfc6238_step) {
  const Keys k;
  const std::string token = seal(k.owner, kRfcKey);
  int rows = 0;
  for (const auto& r : rows_of("rfc6238.txt")) {
    if (r[4] != "SHA1") continue;
    ++rows;
    const double when = std::stod(r[1]);
    const std::int64_t step = std::stoll(r[1]) / 30;
    for (const FernetKeyRing* ring : {&k.ring, &k.rotated}) {
      const auto got = totp_match_sealed(*ring, token, r[5], when, params(8, 0));
      REQUIRE(got.has_value());
      CHECK_EQ(*got, step);
      // The 6-digit code is the low six digits of the same value.
      const auto six = totp_match_sealed(*ring, token, r[5].substr(2), when, params(6, 0));
      REQUIRE(six.has_value());
      CHECK_EQ(*six, step);
    }
  }
  CHECK_EQ(rows, 6);
}

TEST(sealed_match_respects_after_step) {
  const Keys k;
  const std::string token = seal(k.owner, kRfcKey);
  const std::int64_t s = 1111111111 / 30;  // 37037037
  const std::string code = reference_hotp(kRfcKey, s, 6);
  CHECK_EQ(code, std::string("050471"));  // RFC 6238: 14050471 at T=1111111111
  for (const double when : {1111111111.0, 1111111111.0 + 30, 1111111111.0 - 30}) {
    // Accepted while the floor is below s, and it names exactly s...
    for (const std::int64_t floor : {std::int64_t{-1}, s - 5, s - 1}) {
      const auto got = totp_match_sealed(k.rotated, token, code, when, params(6, 1), floor);
      REQUIRE(got.has_value());
      CHECK_EQ(*got, s);
    }
    // ...and refused once step s (or a later one) was used.
    for (const std::int64_t floor : {s, s + 1, s + 100}) {
      CHECK(!totp_match_sealed(k.rotated, token, code, when, params(6, 1), floor).has_value());
    }
  }
  // With two matching candidates the floor decides which one counts: the code of step
  // s-1 presented at step s with after_step = s-1 must not be accepted as step s-1.
  const std::string previous = reference_hotp(kRfcKey, s - 1, 6);
  CHECK(!totp_match_sealed(k.ring, token, previous, s * 30.0 + 1, params(6, 1), s - 1));
  const auto prev_step = totp_match_sealed(k.ring, token, previous, s * 30.0 + 1, params(6, 1), s - 2);
  REQUIRE(prev_step.has_value());
  CHECK_EQ(*prev_step, s - 1);
}

TEST(sealed_match_window) {
  const Keys k;
  const std::string token = seal(k.owner, kRfcKey);
  const std::int64_t s = 2000000000 / 30;
  const double now = static_cast<double>(s) * 30 + 7;
  for (int offset = -3; offset <= 3; ++offset) {
    const std::string code = reference_hotp(kRfcKey, s + offset, 6);
    for (int window = 0; window <= 3; ++window) {
      const auto got = totp_match_sealed(k.ring, token, code, now, params(6, window));
      if (offset >= -window && offset <= window) {
        REQUIRE(got.has_value());
        CHECK_EQ(*got, s + offset);
      } else {
        CHECK(!got.has_value());
      }
    }
  }
  // A code that is not digits of the right length is "no", not an error.
  for (const char* junk : {"", "12345", "1234567", "abcdef", "12 34 5x"}) {
    CHECK(!totp_match_sealed(k.ring, token, junk, now, params(6, 3)).has_value());
  }
}

TEST(sealed_match_agrees_with_the_plain_match) {
  const Keys k;
  std::uint64_t state = 0x5EA1ED5EA1EDull;
  for (int i = 0; i < 200; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::vector<std::uint8_t> secret(10 + state % 30);
    for (auto& b : secret) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      b = static_cast<std::uint8_t>(state);
    }
    const double when = static_cast<double>(state % 4'000'000'000ull);
    const std::int64_t step = static_cast<std::int64_t>(when) / 30;
    const std::string code = reference_hotp(secret, step + static_cast<std::int64_t>(i % 3) - 1, 6);
    const std::string token = seal(k.owner, secret);
    const std::int64_t floor = (i % 5 == 0) ? step : -1;
    CHECK(totp_match_sealed(k.rotated, token, code, when, params(6, 1), floor) ==
          totp_match(secret, code, when, params(6, 1), floor));
  }
}

TEST(sealed_match_refuses_tokens_no_key_opens) {
  const Keys k;
  const std::string token = seal(k.owner, kRfcKey);
  const std::string code = reference_hotp(kRfcKey, 1, 8);
  CHECK_THROWS_AS(totp_match_sealed(k.strangers, token, code, 59, params(8, 1)), InvalidTokenError);
  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {tampered, std::string(), std::string("gAAAAA"), token.substr(1)}) {
    CHECK_THROWS_AS(totp_match_sealed(k.ring, bad, code, 59, params(8, 1)), InvalidTokenError);
  }
  // Opens, but is not a TOTP secret.
  CHECK_THROWS_AS(totp_match_sealed(k.ring, k.owner.encrypt(as_bytes("not base32!"), 1), code, 59,
                                    params(8, 1)),
                  InvalidTokenError);
  CHECK_THROWS_AS(totp_match_sealed(k.ring, k.owner.encrypt({}, 1), code, 59, params(8, 1)),
                  InvalidTokenError);
  // Bad parameters are the caller's mistake, reported as such before any decryption.
  CHECK_THROWS_AS(totp_match_sealed(k.strangers, token, code, 59, params(9, 1)), InvalidArgument);
}

TEST(backup_code_digest_sealed_equals_the_plain_digest) {
  const Keys k;
  std::vector<std::uint8_t> raw(32);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 7 + 3);
  const std::string sealed = k.owner.encrypt(raw, 1000);
  for (const char* code : {"7K3M-Q9XD-2HPA", "7k3m q9xd 2hpa", "OIL0-1LI0-OOII",
                           "\xef\xbc\x97K3M-Q9XD-2HPA" /* fullwidth 7 */, "AB"}) {
    const std::string expected = backup_code_digest(raw, code);
    CHECK_EQ(backup_code_digest_sealed(k.ring, sealed, code), expected);
    CHECK_EQ(backup_code_digest_sealed(k.rotated, sealed, code), expected);
  }
  CHECK(backup_code_digest_sealed(k.ring, sealed, "7K3M-Q9XD-2HPA") !=
        backup_code_digest_sealed(k.ring, sealed, "7K3M-Q9XD-2HPB"));
  // The digest is HMAC-SHA256 of the canonical code: check one against OpenSSL directly.
  unsigned char mac[32];
  unsigned int length = 0;
  const std::string canonical = "7K3MQ9XD2HPA";
  HMAC(EVP_sha256(), raw.data(), static_cast<int>(raw.size()),
       reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), mac, &length);
  std::string hex;
  for (unsigned i = 0; i < length; ++i) {
    char byte[3];
    std::snprintf(byte, sizeof byte, "%02x", mac[i]);
    hex += byte;
  }
  CHECK_EQ(backup_code_digest_sealed(k.rotated, sealed, "7k3m-q9xd-2hpa"), hex);
}

TEST(backup_code_digest_sealed_refuses_bad_tokens_and_junk) {
  const Keys k;
  const std::string sealed = k.owner.encrypt(std::vector<std::uint8_t>(32, 9), 1000);
  CHECK_THROWS_AS(backup_code_digest_sealed(k.strangers, sealed, "7K3M-Q9XD-2HPA"),
                  InvalidTokenError);
  std::string tampered = sealed;
  tampered[20] = tampered[20] == 'x' ? 'y' : 'x';
  CHECK_THROWS_AS(backup_code_digest_sealed(k.ring, tampered, "7K3M-Q9XD-2HPA"), InvalidTokenError);
  CHECK_THROWS_AS(backup_code_digest_sealed(k.ring, "", "7K3M-Q9XD-2HPA"), InvalidTokenError);
  CHECK_THROWS_AS(backup_code_digest_sealed(k.ring, k.owner.encrypt({}, 1000), "7K3M-Q9XD-2HPA"),
                  InvalidTokenError);
  // Junk is refused before the key is opened (so even with a bad token).
  for (const char* junk : {"", "---", "7K3M!Q9XD", "\xff\xfe"}) {
    CHECK_THROWS_AS(backup_code_digest_sealed(k.ring, sealed, junk), InvalidArgument);
    CHECK_THROWS_AS(backup_code_digest_sealed(k.strangers, "", junk), InvalidArgument);
  }
}
