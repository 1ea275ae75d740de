// Eight threads calling the verification primitives at once on SHARED key objects, as
// the Python bindings share one Fernet/MultiFernet and one key between request threads
// (the Python thread test cannot show this: those calls hold the GIL). Every result must
// equal the single-threaded reference. Registered as its own CTest (core_threads) and run
// by `make sanitize` under ASan+UBSan like every case here.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "totp_native/backup_codes.hpp"
#include "totp_native/challenge.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/fernet.hpp"
#include "totp_native/otp.hpp"
#include "totp_native/sealed.hpp"
#include "totp_native/secure.hpp"

using namespace totp_native;

namespace {

constexpr int kThreads = 8;

std::uint64_t next(std::uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

std::vector<std::uint8_t> random_vector(std::uint64_t& state, std::size_t size) {
  std::vector<std::uint8_t> out(size);
  for (auto& b : out) b = static_cast<std::uint8_t>(next(state));
  return out;
}

std::vector<std::uint8_t> bytes_of(const SecureBuffer& buffer) {
  return {buffer.data(), buffer.data() + buffer.size()};
}

// One case: inputs plus the single-threaded answers.
struct Case {
  // totp_match_sealed
  std::string sealed_secret;
  std::string code;
  double when = 0;
  std::int64_t floor = -1;
  OtpParams params;
  std::optional<std::int64_t> step;
  // Fernet
  std::vector<std::uint8_t> plaintext;
  std::string token;  // made with the shared ring, decrypted by every thread
  std::int64_t timestamp = 0;
  // challenge
  std::string subject;
  std::string challenge;
  ChallengeClaims claims;
  // backup codes
  std::string backup_code;
  std::string backup_sealed;
  std::string digest;
};

// Shared is what every thread uses by reference, like one Python object in many threads.
struct Shared {
  FernetKey old_key{FernetKey::generate()};
  FernetKey new_key{FernetKey::generate()};
  FernetKeyRing ring{{new_key, old_key}};
  std::vector<std::uint8_t> challenge_key;
  std::vector<std::uint8_t> backup_key;
  std::vector<Case> cases;
};

Shared make_shared_state() {
  Shared s;
  std::uint64_t state = 0x7EA5EDC0DEull;
  s.challenge_key = random_vector(state, 32);
  s.backup_key = random_vector(state, 32);
  const HashAlgorithm algorithms[] = {HashAlgorithm::kSha1, HashAlgorithm::kSha256,
                                      HashAlgorithm::kSha512};
  const std::string backup_sealed = s.old_key.encrypt(s.backup_key, 1000);
  const auto codes = generate_backup_codes(40, 12, 4);
  for (int i = 0; i < 160; ++i) {
    Case c;
    const auto secret = random_vector(state, 16 + next(state) % 48);
    // Half the secrets sealed by the old key (found second in the ring), half by the new.
    const FernetKey& sealer = (i % 2 == 0) ? s.old_key : s.new_key;
    c.sealed_secret = sealer.encrypt(as_bytes(base32_encode(secret)), 1000 + i);
    c.params.algorithm = algorithms[next(state) % 3];
    c.params.digits = 6 + static_cast<int>(next(state) % 3);
    c.params.window = static_cast<int>(next(state) % 3);
    c.when = static_cast<double>(next(state) % 4'000'000'000ull);
    const std::int64_t step = totp_step(c.when, c.params.period, 0);
    const std::int64_t offset = static_cast<std::int64_t>(next(state) % 5) - 2;
    c.code = hotp(secret, static_cast<std::uint64_t>(step + offset), c.params.digits,
                  c.params.algorithm);
    if (i % 4 == 0) c.floor = step + offset;      // already used: refused
    if (i % 4 == 1) c.floor = step + offset - 1;  // just before: accepted
    c.step = totp_match_sealed(s.ring, c.sealed_secret, c.code, c.when, c.params, c.floor);

    c.plaintext = random_vector(state, next(state) % 200);
    c.timestamp = 1'700'000'000 + i;
    c.token = s.ring.encrypt(c.plaintext, c.timestamp);

    c.subject = "user-" + std::to_string(i);
    c.challenge = sign_challenge(s.challenge_key, c.subject, "login", c.timestamp);
    c.claims = verify_challenge(s.challenge_key, c.challenge, "login", 60, c.timestamp);

    c.backup_code = codes[static_cast<std::size_t>(i) % codes.size()];
    c.backup_sealed = backup_sealed;
    c.digest = backup_code_digest(s.backup_key, c.backup_code);
    s.cases.push_back(std::move(c));
  }
  return s;
}

// RunTracker records how many workers were inside their loop at once.
struct RunTracker {
  std::atomic<int> inside{0};
  std::atomic<int> peak{0};
  void enter() {
    const int now = ++inside;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
  }
  void leave() { --inside; }
};

// hammer runs |work(thread, case)| from kThreads threads over every case, |rounds|
// times in a per-thread order, started together; returns the number of mismatches.
template <typename Work>
int hammer(const Shared& s, int rounds, RunTracker& tracker, Work&& work) {
  std::atomic<int> mismatches{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      tracker.enter();
      // On a loaded machine a thread can finish its whole share before the next one is
      // scheduled: until two have been inside at once, hold each one (bounded), so the shared
      // objects really are used at the same time and the overlap check is not luck.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (tracker.peak.load() < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      for (int round = 0; round < rounds; ++round) {
        for (std::size_t i = 0; i < s.cases.size(); ++i) {
          const std::size_t index = (i * 7 + static_cast<std::size_t>(t * 13 + round)) % s.cases.size();
          try {
            if (!work(t, s.cases[index])) ++mismatches;
          } catch (...) {
            ++mismatches;
          }
        }
      }
      tracker.leave();
    });
  }
  for (auto& th : threads) th.join();
  return mismatches.load();
}

}  // namespace

TEST(threads_sealed_match_on_a_shared_ring) {
  const Shared s = make_shared_state();
  int accepted = 0, refused = 0;
  for (const Case& c : s.cases) (c.step ? accepted : refused)++;
  // The reference exercises both answers, or agreement would prove little.
  CHECK(accepted > 20);
  CHECK(refused > 20);
  RunTracker tracker;
  const int mismatches = hammer(s, 6, tracker, [&](int, const Case& c) {
    return totp_match_sealed(s.ring, c.sealed_secret, c.code, c.when, c.params, c.floor) == c.step;
  });
  CHECK_EQ(mismatches, 0);
  CHECK(tracker.peak.load() >= 2);
}

TEST(threads_fernet_encrypt_decrypt_on_shared_keys) {
  const Shared s = make_shared_state();
  RunTracker tracker;
  const int mismatches = hammer(s, 4, tracker, [&](int t, const Case& c) {
    // Precomputed tokens decrypt to the reference plaintext with their timestamp...
    if (bytes_of(s.ring.decrypt(c.token, std::nullopt, 0)) != c.plaintext) return false;
    if (s.ring.extract_timestamp(c.token) != c.timestamp) return false;
    if (bytes_of(s.new_key.decrypt(c.token, 60, c.timestamp + 30)) != c.plaintext) return false;
    // ...fresh ones (random IVs, so compared by round trip) too, by either path...
    const std::string mine = s.old_key.encrypt(c.plaintext, c.timestamp + t);
    if (bytes_of(s.ring.decrypt(mine, std::nullopt, 0)) != c.plaintext) return false;
    const std::string rotated = s.ring.rotate(mine);
    if (s.new_key.extract_timestamp(rotated) != c.timestamp + t) return false;
    // ...and a key that did not make a token never opens it.
    try {
      (void)s.old_key.decrypt(c.token, std::nullopt, 0);
      return false;
    } catch (const InvalidTokenError&) {
    }
    return true;
  });
  CHECK_EQ(mismatches, 0);
  CHECK(tracker.peak.load() >= 2);
}

TEST(threads_challenge_sign_verify_on_a_shared_key) {
  const Shared s = make_shared_state();
  RunTracker tracker;
  std::vector<std::vector<std::string>> nonces(kThreads);
  const int mismatches = hammer(s, 4, tracker, [&](int t, const Case& c) {
    const ChallengeClaims again = verify_challenge(s.challenge_key, c.challenge, "login", 60, c.timestamp);
    if (again.subject != c.claims.subject || again.issued_at != c.claims.issued_at ||
        again.nonce_hex != c.claims.nonce_hex) {
      return false;
    }
    const std::string token = sign_challenge(s.challenge_key, c.subject, "login", c.timestamp);
    const ChallengeClaims fresh = verify_challenge(s.challenge_key, token, "login", 60, c.timestamp);
    nonces[static_cast<std::size_t>(t)].push_back(fresh.nonce_hex);
    try {
      (void)verify_challenge(s.challenge_key, token, "recovery", 60, c.timestamp);
      return false;
    } catch (const InvalidTokenError&) {
    }
    return fresh.subject == c.subject && fresh.issued_at == c.timestamp;
  });
  CHECK_EQ(mismatches, 0);
  CHECK(tracker.peak.load() >= 2);
  // Nonces from the shared CSPRNG never repeat across threads.
  std::vector<std::string> all;
  for (const auto& per_thread : nonces) all.insert(all.end(), per_thread.begin(), per_thread.end());
  CHECK_EQ(all.size(), std::size_t{kThreads} * 4 * s.cases.size());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
}

TEST(threads_backup_code_digests_on_shared_keys) {
  const Shared s = make_shared_state();
  RunTracker tracker;
  const int mismatches = hammer(s, 4, tracker, [&](int, const Case& c) {
    return backup_code_digest(s.backup_key, c.backup_code) == c.digest &&
           backup_code_digest_sealed(s.ring, c.backup_sealed, c.backup_code) == c.digest;
  });
  CHECK_EQ(mismatches, 0);
  CHECK(tracker.peak.load() >= 2);
}

TEST(threads_everything_at_once) {
  // Each thread runs a different mix, so different primitives overlap in time.
  const Shared s = make_shared_state();
  RunTracker tracker;
  const int mismatches = hammer(s, 3, tracker, [&](int t, const Case& c) {
    switch (t % 4) {
      case 0:
        return totp_match_sealed(s.ring, c.sealed_secret, c.code, c.when, c.params, c.floor) == c.step;
      case 1:
        return bytes_of(s.ring.decrypt(s.ring.encrypt(c.plaintext, c.timestamp), 60, c.timestamp)) ==
               c.plaintext;
      case 2:
        return verify_challenge(s.challenge_key, c.challenge, "login", 60, c.timestamp).nonce_hex ==
               c.claims.nonce_hex;
      default:
        return backup_code_digest_sealed(s.ring, c.backup_sealed, c.backup_code) == c.digest;
    }
  });
  CHECK_EQ(mismatches, 0);
  CHECK(tracker.peak.load() >= 2);
}
