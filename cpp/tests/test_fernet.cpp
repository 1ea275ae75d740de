// Fernet: the spec's known-answer vectors (tests/vectors/fernet), hand-made authentic
// tokens for the structural checks behind the HMAC, tampering, key rings and threads.
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/fernet.hpp"
#include "totp_native/secure.hpp"

using namespace totp_native;
using json = nlohmann::json;

namespace {

constexpr const char* kSpecKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
constexpr std::int64_t kSpecTime = 499162800;  // 1985-10-26T01:20:00-07:00

// parse_iso8601 returns the Unix time of "YYYY-MM-DDTHH:MM:SS" followed by "Z" or a
// "+HH:MM"/"-HH:MM" offset, the form the Fernet spec vectors use.
std::int64_t parse_iso8601(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int offset_hours = 0, offset_minutes = 0, consumed = 0;
  char zone = 0;
  REQUIRE(std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &year, &month, &day, &hour,
                      &minute, &second, &zone, &consumed) == 7);
  std::int64_t offset = 0;
  if (zone == '+' || zone == '-') {
    REQUIRE(std::sscanf(text.c_str() + consumed, "%2d:%2d", &offset_hours, &offset_minutes) == 2);
    offset = (zone == '+' ? 1 : -1) * (std::int64_t{offset_hours} * 3600 + offset_minutes * 60);
  } else {
    REQUIRE(zone == 'Z');
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  REQUIRE(date.ok());
  const std::int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

json load_vectors(const char* name) {
  return json::parse(harness::read_file(harness::vectors_dir() / "fernet" / name));
}

std::string text_of(const SecureBuffer& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::vector<std::uint8_t> decode(const std::string& token) {
  std::vector<std::uint8_t> data;
  REQUIRE(base64url_decode(token, data));
  return data;
}

// Outcome names what a call did, so one CHECK_EQ tells which exception came out.
enum class Outcome { kOk, kInvalid, kExpired, kOther };
std::ostream& operator<<(std::ostream& os, Outcome o) {
  constexpr const char* kNames[] = {"ok", "InvalidTokenError", "ExpiredTokenError", "other"};
  return os << kNames[static_cast<int>(o)];
}

template <typename F>
Outcome outcome_of(F&& call) {
  try {
    (void)call();
    return Outcome::kOk;
  } catch (const ExpiredTokenError&) {
    return Outcome::kExpired;
  } catch (const InvalidTokenError&) {
    return Outcome::kInvalid;
  } catch (...) {
    return Outcome::kOther;
  }
}

// sign returns base64url(|body| | HMAC-SHA256(signing half of |key_text|, body)): an
// authentic token with any body, for the checks that only a key holder can reach.
std::string sign(const std::string& key_text, std::vector<std::uint8_t> body) {
  const std::vector<std::uint8_t> key = decode(key_text);
  std::array<std::uint8_t, 32> mac{};
  std::size_t mac_len = 0;
  REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), 16, body.data(),
                    body.size(), mac.data(), mac.size(), &mac_len) != nullptr);
  REQUIRE(mac_len == 32);
  body.insert(body.end(), mac.begin(), mac.end());
  return base64url_encode(body, true);
}

// resign replaces the timestamp of an authentic token and signs it again.
std::string resign(const std::string& key_text, const std::string& token, std::uint64_t timestamp) {
  std::vector<std::uint8_t> body = decode(token);
  body.resize(body.size() - 32);
  for (std::size_t i = 0; i < 8; ++i) body[1 + i] = static_cast<std::uint8_t>(timestamp >> (56 - 8 * i));
  return sign(key_text, body);
}

std::vector<std::uint8_t> header(std::uint64_t timestamp) {
  std::vector<std::uint8_t> body(25, 0);
  body[0] = 0x80;
  for (std::size_t i = 0; i < 8; ++i) body[1 + i] = static_cast<std::uint8_t>(timestamp >> (56 - 8 * i));
  return body;
}

std::vector<std::uint8_t> pattern_bytes(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 7);
  return out;
}

}  // namespace

TEST(fernet_iso8601_parsing) {
  CHECK_EQ(parse_iso8601("1985-10-26T01:20:00-07:00"), kSpecTime);
  CHECK_EQ(parse_iso8601("1985-10-26T01:20:01-07:00"), kSpecTime + 1);
  CHECK_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
  CHECK_EQ(parse_iso8601("2000-03-01T05:30:00+05:30"), 951868800);
}

TEST(fernet_spec_generate_vectors) {
  const json vectors = load_vectors("generate.json");
  REQUIRE(!vectors.empty());
  for (const json& v : vectors) {
    std::array<std::uint8_t, 16> iv{};
    REQUIRE(v.at("iv").size() == 16);
    for (std::size_t i = 0; i < 16; ++i) iv[i] = v.at("iv")[i].get<std::uint8_t>();
    const FernetKey key(v.at("secret").get<std::string>());
    const std::string src = v.at("src").get<std::string>();
    const std::int64_t now = parse_iso8601(v.at("now").get<std::string>());
    CHECK_EQ(key.encrypt_with_iv(as_bytes(src), now, iv), v.at("token").get<std::string>());
  }
}

TEST(fernet_spec_verify_vectors) {
  const json vectors = load_vectors("verify.json");
  REQUIRE(!vectors.empty());
  for (const json& v : vectors) {
    const FernetKey key(v.at("secret").get<std::string>());
    const std::string token = v.at("token").get<std::string>();
    const std::int64_t now = parse_iso8601(v.at("now").get<std::string>());
    CHECK_EQ(now, kSpecTime + 1);
    const std::int64_t ttl = v.at("ttl_sec").get<std::int64_t>();
    CHECK_EQ(text_of(key.decrypt(token, ttl, now)), v.at("src").get<std::string>());
    CHECK_EQ(text_of(key.decrypt(token, std::nullopt, 0)), v.at("src").get<std::string>());
    CHECK_EQ(key.extract_timestamp(token), kSpecTime);
    const FernetKeyRing ring({FernetKey(FernetKey::generate()), key});
    CHECK_EQ(text_of(ring.decrypt(token, ttl, now)), v.at("src").get<std::string>());
  }
}

TEST(fernet_spec_invalid_vectors) {
  const json vectors = load_vectors("invalid.json");
  REQUIRE(vectors.size() >= 8);
  for (const json& v : vectors) {
    const std::string desc = v.at("desc").get<std::string>();
    const FernetKey key(v.at("secret").get<std::string>());
    const FernetKeyRing ring({FernetKey(FernetKey::generate()), key});
    const std::string token = v.at("token").get<std::string>();
    const std::int64_t now = parse_iso8601(v.at("now").get<std::string>());
    const std::int64_t ttl = v.at("ttl_sec").get<std::int64_t>();
    // Only the two time-window cases are genuine tokens; everything else is forged or
    // malformed and must never be reported as merely expired.
    const bool time_case = desc == "expired TTL" || desc.find("clock skew") != std::string::npos;
    const Outcome expected = time_case ? Outcome::kExpired : Outcome::kInvalid;
    const Outcome single = outcome_of([&] { return key.decrypt(token, ttl, now); });
    const Outcome multi = outcome_of([&] { return ring.decrypt(token, ttl, now); });
    if (single != expected || multi != expected) std::cerr << "  vector: " << desc << "\n";
    CHECK_EQ(single, expected);
    CHECK_EQ(multi, expected);
    if (time_case) {
      // Without a TTL no time check happens, as in cryptography.
      CHECK_EQ(outcome_of([&] { return key.decrypt(token, std::nullopt, now); }), Outcome::kOk);
    }
  }
}

TEST(fernet_round_trip_sizes) {
  const FernetKey key(FernetKey::generate());
  for (std::size_t size : std::initializer_list<std::size_t>{0, 1, 15, 16, 17, 31, 32, 33, 255, 1000, 4096, 1 << 20}) {
    const auto plaintext = pattern_bytes(size, static_cast<std::uint8_t>(size));
    const std::string token = key.encrypt(plaintext, 1'700'000'000);
    // 0x80 | ts | iv | ciphertext (PKCS#7 always adds 1..16 bytes) | hmac
    CHECK_EQ(decode(token).size(), 25 + (size / 16 + 1) * 16 + 32);
    const SecureBuffer back = key.decrypt(token, std::nullopt, 0);
    CHECK(std::vector<std::uint8_t>(back.data(), back.data() + back.size()) == plaintext);
    CHECK_EQ(key.extract_timestamp(token), 1'700'000'000);
  }
}

TEST(fernet_tokens_are_randomised) {
  const FernetKey key(FernetKey::generate());
  const std::string a = key.encrypt(as_bytes("same"), 1);
  const std::string b = key.encrypt(as_bytes("same"), 1);
  CHECK(a != b);
  CHECK(FernetKey::generate() != FernetKey::generate());
  CHECK_EQ(FernetKey::generate().size(), 44u);
}

TEST(fernet_ttl_and_clock_skew_edges) {
  const FernetKey key(kSpecKey);
  const std::int64_t ts = 1'700'000'000;
  const std::string token = key.encrypt(as_bytes("x"), ts);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, 60, ts + 60); }), Outcome::kOk);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, 60, ts + 61); }), Outcome::kExpired);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, 0, ts); }), Outcome::kOk);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, -1, ts); }), Outcome::kExpired);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, 60, ts - 60); }), Outcome::kOk);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, 60, ts - 61); }), Outcome::kExpired);
  // No TTL, no time check at all: any clock is fine.
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, std::nullopt, ts + 1'000'000'000); }),
           Outcome::kOk);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, std::nullopt, 0); }), Outcome::kOk);
  // Extreme values cannot overflow the comparison.
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, kMax, kMax); }), Outcome::kOk);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, kMin, ts); }), Outcome::kExpired);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, 60, kMin); }), Outcome::kExpired);
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, kMax, kMin); }), Outcome::kExpired);
}

TEST(fernet_timestamp_beyond_int64) {
  const FernetKey key(kSpecKey);
  const std::string token =
      resign(kSpecKey, key.encrypt(as_bytes("far"), 5), std::uint64_t{1} << 63);
  CHECK_EQ(text_of(key.decrypt(token, std::nullopt, 0)), std::string("far"));
  CHECK_EQ(outcome_of([&] { return key.decrypt(token, 60, 1'700'000'000); }), Outcome::kExpired);
  CHECK_THROWS_AS(key.extract_timestamp(token), InvalidTokenError);
  // rotate keeps even this timestamp, byte for byte.
  const FernetKeyRing ring({FernetKey(FernetKey::generate()), key});
  const std::string rotated = ring.rotate(token);
  const auto a = decode(token), b = decode(rotated);
  CHECK(std::equal(a.begin() + 1, a.begin() + 9, b.begin() + 1));
  CHECK_EQ(text_of(ring.decrypt(rotated, std::nullopt, 0)), std::string("far"));
}

TEST(fernet_negative_encrypt_time_is_rejected) {
  const FernetKey key(kSpecKey);
  CHECK_THROWS_AS(key.encrypt(as_bytes("x"), -1), InvalidArgument);
  const std::array<std::uint8_t, 16> iv{};
  CHECK_THROWS_AS(key.encrypt_with_iv(as_bytes("x"), -1, iv), InvalidArgument);
  CHECK_EQ(key.extract_timestamp(key.encrypt(as_bytes("x"), 0)), 0);
}

TEST(fernet_bad_keys) {
  const std::string message = "Fernet key must be 32 url-safe base64-encoded bytes.";
  const std::string good = kSpecKey;
  for (const std::string& bad :
       {std::string(), std::string("   "), good.substr(0, 43), good + "=", good + "AAAA",
        good.substr(0, 40), std::string("cw/0x689RpI+jtRR7oE8h/eQsKImvJapLeSbXpwF4e4="),
        std::string("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4%"),
        std::string("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e5="),  // non-zero trailing bits
        good.substr(0, 20) + " " + good.substr(20), std::string(64, 'A') + "=="}) {
    try {
      FernetKey key(bad);
      harness::record_failure(__FILE__, __LINE__, "accepted a bad key of length " +
                                                      std::to_string(bad.size()));
    } catch (const InvalidArgument& e) {
      CHECK_EQ(std::string(e.what()), message);
    }
  }
  // A key read from a file or the environment often carries a newline.
  const FernetKey padded("\n " + good + "\r\n");
  CHECK_EQ(padded.extract_timestamp(FernetKey(good).encrypt(as_bytes("x"), 7)), 7);
}

TEST(fernet_malformed_tokens) {
  const FernetKey key(kSpecKey);
  const std::string token = key.encrypt(as_bytes("hello"), kSpecTime);
  std::string without_padding = token;
  while (!without_padding.empty() && without_padding.back() == '=') without_padding.pop_back();
  std::string standard_alphabet = token;
  for (char& c : standard_alphabet) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  for (const std::string& bad :
       {std::string(), std::string("===="), std::string("gA=="), token + "\n", " " + token,
        token + "====", token + "AAAA", std::string(1 << 22, 'A'),
        "gAAAAAAA" + std::string(1 << 22, 'A')}) {
    CHECK_EQ(outcome_of([&] { return key.decrypt(bad, std::nullopt, 0); }), Outcome::kInvalid);
    CHECK_EQ(outcome_of([&] { return key.extract_timestamp(bad); }), Outcome::kInvalid);
  }
  if (without_padding != token) {
    CHECK_EQ(outcome_of([&] { return key.decrypt(without_padding, std::nullopt, 0); }),
             Outcome::kInvalid);
  }
  if (standard_alphabet != token) {
    CHECK_EQ(outcome_of([&] { return key.decrypt(standard_alphabet, std::nullopt, 0); }),
             Outcome::kInvalid);
  }
  // Wrong version byte, even when correctly signed.
  std::vector<std::uint8_t> body = decode(token);
  body.resize(body.size() - 32);
  body[0] = 0x81;
  CHECK_EQ(outcome_of([&] { return key.decrypt(sign(kSpecKey, body), std::nullopt, 0); }),
           Outcome::kInvalid);
}

TEST(fernet_truncated_tokens) {
  const FernetKey key(kSpecKey);
  const std::string token = key.encrypt(pattern_bytes(40, 3), kSpecTime);
  for (std::size_t len = 0; len < token.size(); ++len) {
    const std::string cut = token.substr(0, len);
    CHECK_EQ(outcome_of([&] { return key.decrypt(cut, 60, kSpecTime); }), Outcome::kInvalid);
  }
  // Truncated bytes, re-encoded canonically: still rejected.
  const std::vector<std::uint8_t> data = decode(token);
  for (std::size_t len = 0; len < data.size(); ++len) {
    const std::string cut = base64url_encode(std::span(data).first(len), true);
    CHECK_EQ(outcome_of([&] { return key.decrypt(cut, std::nullopt, 0); }), Outcome::kInvalid);
  }
}

TEST(fernet_tampered_tokens) {
  const FernetKey key(kSpecKey);
  const std::string token = key.encrypt(pattern_bytes(33, 9), kSpecTime);
  const std::vector<std::uint8_t> data = decode(token);
  for (std::size_t i = 0; i < data.size(); ++i) {
    for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
      std::vector<std::uint8_t> tampered = data;
      tampered[i] ^= flip;
      const std::string text = base64url_encode(tampered, true);
      // Forged, so InvalidTokenError even with a TTL that the timestamp would fail.
      CHECK_EQ(outcome_of([&] { return key.decrypt(text, 60, kSpecTime); }), Outcome::kInvalid);
      CHECK_EQ(outcome_of([&] { return key.decrypt(text, 60, 0); }), Outcome::kInvalid);
      CHECK_EQ(outcome_of([&] { return key.extract_timestamp(text); }), Outcome::kInvalid);
    }
  }
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string text = token;
    text[i] = text[i] == 'A' ? 'B' : 'A';
    CHECK_EQ(outcome_of([&] { return key.decrypt(text, std::nullopt, 0); }), Outcome::kInvalid);
  }
  const FernetKey other(FernetKey::generate());
  CHECK_EQ(outcome_of([&] { return other.decrypt(token, std::nullopt, 0); }), Outcome::kInvalid);
  CHECK_EQ(outcome_of([&] { return other.decrypt(token, 60, kSpecTime); }), Outcome::kInvalid);
}

TEST(fernet_authentic_but_malformed_bodies) {
  const FernetKey key(kSpecKey);
  // Header and signature only: extract_timestamp accepts it (as cryptography does),
  // decrypt finds no ciphertext.
  const std::vector<std::uint8_t> full_header = header(42);
  const std::vector<std::uint8_t> bare(full_header.begin(), full_header.begin() + 9);
  const std::string no_iv = sign(kSpecKey, bare);
  CHECK_EQ(key.extract_timestamp(no_iv), 42);
  CHECK_EQ(outcome_of([&] { return key.decrypt(no_iv, std::nullopt, 0); }), Outcome::kInvalid);
  // IV but an empty ciphertext.
  const std::string empty_ct = sign(kSpecKey, header(42));
  CHECK_EQ(outcome_of([&] { return key.decrypt(empty_ct, std::nullopt, 0); }), Outcome::kInvalid);
  // Ciphertext of 1, 15, 17 bytes.
  for (std::size_t n : std::initializer_list<std::size_t>{1, 15, 17}) {
    std::vector<std::uint8_t> body = header(42);
    const auto extra = pattern_bytes(n, 1);
    body.insert(body.end(), extra.begin(), extra.end());
    CHECK_EQ(outcome_of([&] { return key.decrypt(sign(kSpecKey, body), std::nullopt, 0); }),
             Outcome::kInvalid);
  }
  // A whole block whose padding is wrong (random bytes decrypt to bad padding with
  // overwhelming probability; these fixed ones do under the spec key).
  bool saw_bad_padding = false;
  for (std::uint8_t seed = 0; seed < 8 && !saw_bad_padding; ++seed) {
    std::vector<std::uint8_t> body = header(42);
    const auto block = pattern_bytes(16, seed);
    body.insert(body.end(), block.begin(), block.end());
    saw_bad_padding =
        outcome_of([&] { return key.decrypt(sign(kSpecKey, body), std::nullopt, 0); }) ==
        Outcome::kInvalid;
  }
  CHECK(saw_bad_padding);
}

TEST(fernet_key_ring) {
  CHECK_THROWS_AS(FernetKeyRing(std::vector<FernetKey>{}), InvalidArgument);
  const FernetKey old_key(FernetKey::generate());
  const FernetKey new_key(FernetKey::generate());
  const FernetKeyRing old_ring({old_key});
  const FernetKeyRing ring({new_key, old_key});
  CHECK_EQ(ring.keys().size(), 2u);

  // Encrypts with the first key only.
  const std::string fresh = ring.encrypt(as_bytes("secret"), 1000);
  CHECK_EQ(text_of(new_key.decrypt(fresh, std::nullopt, 0)), std::string("secret"));
  CHECK_EQ(outcome_of([&] { return old_key.decrypt(fresh, std::nullopt, 0); }), Outcome::kInvalid);

  // Decrypts with any key.
  const std::string legacy = old_key.encrypt(as_bytes("legacy"), 500);
  CHECK_EQ(text_of(ring.decrypt(legacy, std::nullopt, 0)), std::string("legacy"));
  CHECK_EQ(ring.extract_timestamp(legacy), 500);
  CHECK_EQ(ring.extract_timestamp(fresh), 1000);

  // rotate: under the first key, original timestamp kept, new IV.
  const std::string rotated = ring.rotate(legacy);
  CHECK(rotated != legacy);
  CHECK_EQ(text_of(new_key.decrypt(rotated, std::nullopt, 0)), std::string("legacy"));
  CHECK_EQ(new_key.extract_timestamp(rotated), 500);
  CHECK_EQ(outcome_of([&] { return old_ring.decrypt(rotated, std::nullopt, 0); }),
           Outcome::kInvalid);
  const std::string again = ring.rotate(rotated);
  CHECK(again != rotated);
  CHECK_EQ(new_key.extract_timestamp(again), 500);

  // Tokens under no key of the ring.
  const FernetKey stranger(FernetKey::generate());
  const std::string foreign = stranger.encrypt(as_bytes("x"), 1);
  CHECK_EQ(outcome_of([&] { return ring.decrypt(foreign, std::nullopt, 0); }), Outcome::kInvalid);
  CHECK_EQ(outcome_of([&] { return ring.rotate(foreign); }), Outcome::kInvalid);
  CHECK_EQ(outcome_of([&] { return ring.extract_timestamp(foreign); }), Outcome::kInvalid);
  CHECK_EQ(outcome_of([&] { return ring.rotate("not a token"); }), Outcome::kInvalid);

  // TTL through the ring: expiry is reported whichever key owns the token.
  CHECK_EQ(outcome_of([&] { return ring.decrypt(fresh, 10, 1010); }), Outcome::kOk);
  CHECK_EQ(outcome_of([&] { return ring.decrypt(fresh, 10, 1011); }), Outcome::kExpired);
  CHECK_EQ(outcome_of([&] { return ring.decrypt(legacy, 10, 511); }), Outcome::kExpired);
  CHECK_EQ(outcome_of([&] { return ring.decrypt(fresh, 10, 1000 - 61); }), Outcome::kExpired);
  CHECK_EQ(outcome_of([&] { return ring.decrypt(foreign, 10, 100000); }), Outcome::kInvalid);
  // rotate never checks the time.
  CHECK_EQ(new_key.extract_timestamp(ring.rotate(fresh)), 1000);
}

TEST(fernet_shared_between_threads) {
  const FernetKey key(FernetKey::generate());
  const FernetKeyRing ring({FernetKey(FernetKey::generate()), key});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const auto plaintext =
            pattern_bytes(static_cast<std::size_t>((t * 37 + i) % 300), static_cast<std::uint8_t>(t));
        const std::string a = key.encrypt(plaintext, 1000 + i);
        const std::string b = ring.encrypt(plaintext, 2000 + i);
        const SecureBuffer pa = ring.decrypt(a, std::nullopt, 0);
        const SecureBuffer pb = ring.decrypt(ring.rotate(a), 5, 1000 + i);
        const bool ok = std::vector<std::uint8_t>(pa.data(), pa.data() + pa.size()) == plaintext &&
                        std::vector<std::uint8_t>(pb.data(), pb.data() + pb.size()) == plaintext &&
                        ring.extract_timestamp(b) == 2000 + i &&
                        outcome_of([&] { return key.decrypt(b, std::nullopt, 0); }) ==
                            Outcome::kInvalid;
        if (!ok) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK_EQ(failures.load(), 0);
}
