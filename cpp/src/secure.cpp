#include "totp_native/secure.hpp"

#include <openssl/crypto.h>

#include <utility>

#include "totp_native/errors.hpp"

namespace totp_native {

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
}

void secure_wipe(std::string& text) noexcept {
  // Wipe the whole capacity: a shorter string may still hold an older, longer value.
  secure_wipe(text.data(), text.capacity());
  text.clear();
}

SecureBuffer::SecureBuffer(std::size_t size) : bytes_(size, 0) {}

SecureBuffer::SecureBuffer(std::span<const std::uint8_t> bytes)
    : bytes_(bytes.begin(), bytes.end()) {}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.bytes_.clear();
}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    clear();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

SecureBuffer::~SecureBuffer() { clear(); }

void SecureBuffer::resize(std::size_t size) {
  if (size <= bytes_.size()) {
    secure_wipe(bytes_.data() + size, bytes_.size() - size);
    bytes_.resize(size);
    return;
  }
  if (size <= bytes_.capacity()) {
    bytes_.resize(size, 0);
    return;
  }
  // A plain vector reallocation would free the old block without wiping it.
  std::vector<std::uint8_t> grown;
  grown.reserve(size);
  grown.assign(bytes_.begin(), bytes_.end());
  grown.resize(size, 0);
  clear();
  bytes_ = std::move(grown);
}

void SecureBuffer::push_back(std::uint8_t byte) {
  if (bytes_.size() == bytes_.capacity()) {
    const std::size_t old_size = bytes_.size();
    std::vector<std::uint8_t> grown;
    grown.reserve(old_size < 16 ? 32 : old_size * 2);
    grown.assign(bytes_.begin(), bytes_.end());
    clear();
    bytes_ = std::move(grown);
  }
  bytes_.push_back(byte);
}

void SecureBuffer::clear() noexcept {
  secure_wipe(bytes_.data(), bytes_.capacity());
  bytes_.clear();
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  return constant_time_equal(as_bytes(a), as_bytes(b));
}

}  // namespace totp_native
