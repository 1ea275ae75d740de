// The CSPRNG front end: bytes from RAND_bytes, drawn in blocks into a per-thread pool.
//
// Why a pool: OpenSSL 3 spends one to several microseconds per RAND_bytes call on
// provider dispatch and DRBG locking, whatever the size asked for. A Fernet IV or a
// challenge nonce is 16 bytes, so one call per token was a large share of encrypting a
// secret or signing a challenge. Each thread now draws kPoolSize bytes at a time and
// hands out slices; every byte still comes from RAND_bytes.
//
// Hazards and how they are handled:
// - Reuse after fork: a child process inherits the parent's pool, and handing out the
//   same bytes in parent and child (or in two children) would repeat IVs, nonces and
//   keys. A pthread_atfork child handler advances a process-wide generation; a pool
//   filled under an older generation is wiped and refilled before its next use. The
//   handler only increments an atomic, which is safe in a child of a threaded process.
// - Disclosure: bytes handed out are wiped from the pool at once; the unused rest is
//   wiped when the pool is refilled, after a fork, and when the thread ends (the
//   thread_local destructor). Between those, the pool holds future output, as OpenSSL's
//   own DRBG state does.
// - Large requests (more than kMaxPooledRequest bytes) bypass the pool: the per-call
//   overhead does not matter for them.
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <memory>

#include "totp_native/errors.hpp"
#include "totp_native/secure.hpp"

namespace totp_native {

namespace {

constexpr std::size_t kPoolSize = 4096;
constexpr std::size_t kMaxPooledRequest = 256;

// Starts at 1 so a fresh pool (generation 0) is always filled before use.
std::atomic<std::uint64_t> fork_generation{1};

void advance_fork_generation() noexcept {
  fork_generation.fetch_add(1, std::memory_order_relaxed);
}

// pooling_enabled registers the fork handler once; without it the pool is never used.
bool pooling_enabled() {
  static const bool registered = pthread_atfork(nullptr, nullptr, &advance_fork_generation) == 0;
  return registered;
}

void rand_bytes_direct(std::uint8_t* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const std::size_t chunk = std::min<std::size_t>(size - done, INT_MAX);
    if (RAND_bytes(out + done, static_cast<int>(chunk)) != 1) {
      throw_openssl_error("RAND_bytes");
    }
    done += chunk;
  }
}

class RandomPool {
 public:
  RandomPool() = default;
  RandomPool(const RandomPool&) = delete;
  RandomPool& operator=(const RandomPool&) = delete;
  ~RandomPool() { discard(); }

  void fill(std::uint8_t* out, std::size_t size) {
    if (generation_ != fork_generation.load(std::memory_order_relaxed)) discard();
    while (size > 0) {
      if (next_ == kPoolSize) refill();
      const std::size_t take = std::min(size, kPoolSize - next_);
      std::memcpy(out, bytes_.get() + next_, take);
      OPENSSL_cleanse(bytes_.get() + next_, take);
      next_ += take;
      out += take;
      size -= take;
    }
  }

 private:
  void refill() {
    if (!bytes_) bytes_ = std::make_unique<std::uint8_t[]>(kPoolSize);
    // Marked empty first: if RAND_bytes fails, nothing half-written is handed out.
    next_ = kPoolSize;
    rand_bytes_direct(bytes_.get(), kPoolSize);
    generation_ = fork_generation.load(std::memory_order_relaxed);
    next_ = 0;
  }

  void discard() noexcept {
    if (bytes_) OPENSSL_cleanse(bytes_.get(), kPoolSize);
    next_ = kPoolSize;
    generation_ = 0;
  }

  std::unique_ptr<std::uint8_t[]> bytes_;
  std::size_t next_ = kPoolSize;  // bytes_[next_, kPoolSize) are unused
  std::uint64_t generation_ = 0;
};

thread_local RandomPool pool;

}  // namespace

void random_fill(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (out.size() > kMaxPooledRequest || !pooling_enabled()) {
    rand_bytes_direct(out.data(), out.size());
    return;
  }
  pool.fill(out.data(), out.size());
}

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  if (n > kMaxRandomBytes) {
    throw InvalidArgument("random_bytes: n must be at most " + std::to_string(kMaxRandomBytes));
  }
  std::vector<std::uint8_t> out(n);
  random_fill(out);
  return out;
}

}  // namespace totp_native
