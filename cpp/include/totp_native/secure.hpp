// Secret hygiene: wiped buffers, CSPRNG, constant-time comparison.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace totp_native {

// SecureBuffer owns bytes that may hold key or secret material. Its destructor (and
// every shrink/clear) wipes the bytes with OPENSSL_cleanse before the memory is freed.
// It is move-only so a secret is never silently copied.
class SecureBuffer {
 public:
  SecureBuffer() = default;
  explicit SecureBuffer(std::size_t size);
  SecureBuffer(std::span<const std::uint8_t> bytes);  // NOLINT: implicit on purpose
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;
  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  ~SecureBuffer();

  std::uint8_t* data() noexcept { return bytes_.data(); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }
  std::uint8_t& operator[](std::size_t i) noexcept { return bytes_[i]; }
  std::uint8_t operator[](std::size_t i) const noexcept { return bytes_[i]; }
  std::span<const std::uint8_t> span() const noexcept { return {bytes_.data(), bytes_.size()}; }
  // resize wipes any bytes that are cut off; growing appends zero bytes. Growth beyond
  // the capacity reallocates through a wiped copy, never a plain vector reallocation.
  void resize(std::size_t size);
  void push_back(std::uint8_t byte);
  void clear() noexcept;

 private:
  std::vector<std::uint8_t> bytes_;
};

// secure_wipe overwrites |size| bytes at |data| with zeros in a way the compiler cannot
// elide (OPENSSL_cleanse).
void secure_wipe(void* data, std::size_t size) noexcept;
void secure_wipe(std::string& text) noexcept;

// random_bytes returns |n| bytes from OpenSSL's CSPRNG (RAND_bytes). Throws Error if the
// CSPRNG fails and InvalidArgument if |n| exceeds kMaxRandomBytes.
inline constexpr std::size_t kMaxRandomBytes = 1 << 20;
std::vector<std::uint8_t> random_bytes(std::size_t n);
// random_fill fills |out| from the CSPRNG; throws Error on failure. Small requests are
// served from a per-thread pool that RAND_bytes refills 4 KiB at a time (random.cpp):
// bytes are wiped from the pool as they are handed out, and the pool is discarded in a
// forked child, so no two processes or threads ever receive the same bytes.
void random_fill(std::span<std::uint8_t> out);

// constant_time_equal returns true iff |a| and |b| have equal length and equal bytes.
// The time taken depends only on the lengths (CRYPTO_memcmp).
[[nodiscard]] bool constant_time_equal(std::span<const std::uint8_t> a,
                                       std::span<const std::uint8_t> b) noexcept;
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// as_bytes views the characters of |text| as bytes.
inline std::span<const std::uint8_t> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace totp_native
