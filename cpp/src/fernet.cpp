// Fernet (https://github.com/fernet/spec), byte-compatible with cryptography.fernet:
//   token = base64url(0x80 | timestamp(8, big-endian) | iv(16) | AES-128-CBC-PKCS7 ciphertext |
//                     HMAC-SHA256(signing key, everything before))
// The HMAC is checked before anything else that depends on the token's content, so no
// padding or timing oracle is reachable without the signing key.
#include "totp_native/fernet.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <climits>
#include <limits>
#include <utility>

#include "hmac_key.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"

namespace totp_native {

namespace {

constexpr std::uint8_t kVersion = 0x80;
constexpr std::size_t kKeySize = 32;  // signing key (16) | encryption key (16)
constexpr std::size_t kHalfKeySize = 16;
constexpr std::size_t kTimestampOffset = 1;
constexpr std::size_t kIvOffset = 9;
constexpr std::size_t kIvSize = 16;
constexpr std::size_t kCiphertextOffset = kIvOffset + kIvSize;
constexpr std::size_t kBlockSize = 16;
constexpr std::size_t kHmacSize = 32;
// Shortest token whose signature can be checked (as cryptography's extract_timestamp).
constexpr std::size_t kMinSignedSize = kIvOffset + kHmacSize;
// Shortest token that can hold a plaintext: one ciphertext block.
constexpr std::size_t kMinDecryptableSize = kCiphertextOffset + kBlockSize + kHmacSize;
// EVP_*Update take an int length; larger inputs go through in pieces of this size.
constexpr std::size_t kMaxCipherChunk = std::size_t{1} << 30;

constexpr const char* kBadKeyMessage = "Fernet key must be 32 url-safe base64-encoded bytes.";
constexpr const char* kBadSignatureMessage =
    "Fernet token signature does not match: it was tampered with or made with another key";
constexpr const char* kNoKeyMessage =
    "Fernet token signature does not match any key of the MultiFernet: it was tampered "
    "with or made with a key that is not in the ring";

__extension__ typedef __int128 WideInt;  // GCC/Clang; exact for any int64 + uint64 sum

struct CipherCtxDeleter {
  // EVP_CIPHER_CTX_free cleanses the key schedule and any buffered plaintext block.
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const EVP_CIPHER* aes_128_cbc() {
  static const EVP_CIPHER* const cipher = [] {
    const EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr);
    if (fetched == nullptr) throw_openssl_error("EVP_CIPHER_fetch(AES-128-CBC)");
    return fetched;  // kept for the life of the process
  }();
  return cipher;
}

CipherCtx new_cipher_ctx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw_openssl_error("EVP_CIPHER_CTX_new");
  return ctx;
}

// WipeOnExit wipes a vector's whole capacity when the scope ends, however it ends.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::vector<std::uint8_t>& bytes) noexcept : bytes_(bytes) {}
  ~WipeOnExit() { secure_wipe(bytes_.data(), bytes_.capacity()); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::vector<std::uint8_t>& bytes_;
};

std::string_view trim_ascii_whitespace(std::string_view text) {
  constexpr std::string_view kWhitespace = " \t\r\n\f\v";
  const std::size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

// decode_token returns the bytes of |token| after the checks that need no key: canonical
// padded base64url (every Fernet implementation emits padding; cryptography rejects
// tokens without it), the version byte and a length that can hold a signature.
std::vector<std::uint8_t> decode_token(std::string_view token) {
  std::vector<std::uint8_t> data;
  if (token.size() % 4 != 0 || !base64url_decode(token, data)) {
    throw InvalidTokenError("Fernet token is not valid padded url-safe base64");
  }
  if (data.empty() || data[0] != kVersion) {
    throw InvalidTokenError("Fernet token has an unknown version (the first byte must be 0x80)");
  }
  if (data.size() < kMinSignedSize) throw InvalidTokenError("Fernet token is too short");
  return data;
}

std::uint64_t read_timestamp(std::span<const std::uint8_t> data) {
  std::uint64_t timestamp = 0;
  for (std::size_t i = 0; i < 8; ++i) timestamp = (timestamp << 8) | data[kTimestampOffset + i];
  return timestamp;
}

// checked_timestamp returns |timestamp| as a signed value. Only a token made with a
// timestamp beyond year 292 billion (cryptography allows it) fails this.
std::int64_t checked_timestamp(std::uint64_t timestamp) {
  if (timestamp > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw InvalidTokenError("Fernet token timestamp does not fit a signed 64-bit integer");
  }
  return static_cast<std::int64_t>(timestamp);
}

// window_violation applies cryptography's rules, only when a TTL is given: it returns
// nullptr when the timestamp is acceptable, otherwise why not (a string literal). The
// arithmetic is 128-bit so no timestamp, ttl or now can overflow it.
const char* window_violation(std::uint64_t timestamp, std::optional<std::int64_t> ttl,
                             std::int64_t now) {
  if (!ttl) return nullptr;
  if (WideInt{timestamp} + WideInt{*ttl} < WideInt{now}) {
    return "Fernet token has expired (timestamp + ttl is before now)";
  }
  if (WideInt{now} + WideInt{kFernetMaxClockSkew} < WideInt{timestamp}) {
    return "Fernet token timestamp is more than 60 seconds in the future (clock skew)";
  }
  return nullptr;
}

void check_encrypt_time(std::int64_t now) {
  if (now < 0) throw InvalidArgument("Fernet timestamps must be non-negative Unix seconds");
}

}  // namespace

struct FernetKey::KeyMaterial {
  explicit KeyMaterial(std::span<const std::uint8_t, kKeySize> key)
      : signing(HashAlgorithm::kSha256, key.first<kHalfKeySize>()),
        encryption(key.last<kHalfKeySize>()) {}

  detail::HmacKey signing;  // holds only the derived HMAC states, freed with cleansing
  SecureBuffer encryption;
};

FernetKey::FernetKey(std::string_view base64url_key) {
  // Surrounding whitespace (a key read from a file or an environment variable) is
  // tolerated, as cryptography's lenient decoder does; nothing else is.
  const std::string_view text = trim_ascii_whitespace(base64url_key);
  std::vector<std::uint8_t> raw;
  const WipeOnExit wipe_raw(raw);
  if (text.size() % 4 != 0 || !base64url_decode(text, raw) || raw.size() != kKeySize) {
    throw InvalidArgument(kBadKeyMessage);
  }
  material_ = std::make_shared<const KeyMaterial>(std::span<const std::uint8_t, kKeySize>(raw));
}

std::string FernetKey::generate() {
  SecureBuffer key(kKeySize);
  random_fill({key.data(), key.size()});
  return base64url_encode(key.span(), true);
}

std::string FernetKey::encrypt(std::span<const std::uint8_t> plaintext, std::int64_t now) const {
  check_encrypt_time(now);
  std::array<std::uint8_t, kIvSize> iv;
  random_fill(iv);
  return seal(plaintext, static_cast<std::uint64_t>(now), iv);
}

std::string FernetKey::encrypt_with_iv(std::span<const std::uint8_t> plaintext, std::int64_t now,
                                       std::span<const std::uint8_t, 16> iv) const {
  check_encrypt_time(now);
  return seal(plaintext, static_cast<std::uint64_t>(now), iv);
}

SecureBuffer FernetKey::decrypt(std::string_view token, std::optional<std::int64_t> ttl,
                                std::int64_t now) const {
  const std::vector<std::uint8_t> data = decode_token(token);
  if (!signature_matches(data)) throw InvalidTokenError(kBadSignatureMessage);
  if (const char* violation = window_violation(read_timestamp(data), ttl, now)) {
    throw ExpiredTokenError(violation);
  }
  return open(data);
}

std::int64_t FernetKey::extract_timestamp(std::string_view token) const {
  return checked_timestamp(read_timestamp(verify_and_decode(token)));
}

std::vector<std::uint8_t> FernetKey::verify_and_decode(std::string_view token) const {
  std::vector<std::uint8_t> data = decode_token(token);
  if (!signature_matches(data)) throw InvalidTokenError(kBadSignatureMessage);
  return data;
}

bool FernetKey::signature_matches(std::span<const std::uint8_t> data) const {
  if (data.size() < kMinSignedSize) return false;
  const std::size_t signed_size = data.size() - kHmacSize;
  std::array<std::uint8_t, detail::kMaxMacSize> expected;
  const std::size_t size = material_->signing.compute(data.first(signed_size), expected.data());
  const bool match =
      size == kHmacSize && CRYPTO_memcmp(expected.data(), data.data() + signed_size, kHmacSize) == 0;
  // The tag for attacker-chosen bytes is what a forger needs: do not leave it behind.
  secure_wipe(expected.data(), expected.size());
  return match;
}

SecureBuffer FernetKey::open(std::span<const std::uint8_t> data) const {
  if (data.size() < kMinDecryptableSize || (data.size() - kMinSignedSize - kIvSize) % kBlockSize != 0) {
    throw InvalidTokenError(
        "Fernet token ciphertext is empty or not a whole number of 16-byte AES blocks");
  }
  const auto iv = data.subspan(kIvOffset, kIvSize);
  const auto ciphertext = data.subspan(kCiphertextOffset, data.size() - kCiphertextOffset - kHmacSize);

  const CipherCtx ctx = new_cipher_ctx();
  if (EVP_DecryptInit_ex2(ctx.get(), aes_128_cbc(), material_->encryption.data(), iv.data(),
                          nullptr) != 1) {
    throw_openssl_error("EVP_DecryptInit_ex2");
  }
  // With padding on, EVP may write up to one block more than it is given per call.
  SecureBuffer plaintext(ciphertext.size() + kBlockSize);
  std::size_t written = 0;
  for (std::size_t offset = 0; offset < ciphertext.size();) {
    const std::size_t chunk = std::min(kMaxCipherChunk, ciphertext.size() - offset);
    int out_len = 0;
    if (EVP_DecryptUpdate(ctx.get(), plaintext.data() + written, &out_len,
                          ciphertext.data() + offset, static_cast<int>(chunk)) != 1) {
      throw_openssl_error("EVP_DecryptUpdate");
    }
    written += static_cast<std::size_t>(out_len);
    offset += chunk;
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), plaintext.data() + written, &final_len) != 1) {
    // "bad decrypt" is the expected outcome of wrong padding, not an internal failure.
    ERR_clear_error();
    throw InvalidTokenError("Fernet token padding is invalid");
  }
  written += static_cast<std::size_t>(final_len);
  plaintext.resize(written);
  return plaintext;
}

std::string FernetKey::seal(std::span<const std::uint8_t> plaintext, std::uint64_t timestamp,
                            std::span<const std::uint8_t, 16> iv) const {
  const std::size_t padded_size = (plaintext.size() / kBlockSize + 1) * kBlockSize;
  std::vector<std::uint8_t> token(kCiphertextOffset + padded_size + kHmacSize);
  token[0] = kVersion;
  for (std::size_t i = 0; i < 8; ++i) {
    token[kTimestampOffset + i] = static_cast<std::uint8_t>(timestamp >> (56 - 8 * i));
  }
  std::copy(iv.begin(), iv.end(), token.begin() + static_cast<std::ptrdiff_t>(kIvOffset));

  const CipherCtx ctx = new_cipher_ctx();
  if (EVP_EncryptInit_ex2(ctx.get(), aes_128_cbc(), material_->encryption.data(), iv.data(),
                          nullptr) != 1) {
    throw_openssl_error("EVP_EncryptInit_ex2");
  }
  std::uint8_t* const out = token.data() + kCiphertextOffset;
  std::size_t written = 0;
  for (std::size_t offset = 0; offset < plaintext.size();) {
    const std::size_t chunk = std::min(kMaxCipherChunk, plaintext.size() - offset);
    int out_len = 0;
    if (EVP_EncryptUpdate(ctx.get(), out + written, &out_len, plaintext.data() + offset,
                          static_cast<int>(chunk)) != 1) {
      throw_openssl_error("EVP_EncryptUpdate");
    }
    written += static_cast<std::size_t>(out_len);
    offset += chunk;
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out + written, &final_len) != 1) {
    throw_openssl_error("EVP_EncryptFinal_ex");
  }
  written += static_cast<std::size_t>(final_len);
  if (written != padded_size) throw Error("AES-CBC produced an unexpected ciphertext length");

  const std::size_t signed_size = kCiphertextOffset + padded_size;
  std::array<std::uint8_t, detail::kMaxMacSize> mac;
  const std::size_t mac_size =
      material_->signing.compute(std::span<const std::uint8_t>(token).first(signed_size), mac.data());
  if (mac_size != kHmacSize) throw Error("HMAC-SHA256 produced an unexpected length");
  std::copy_n(mac.begin(), kHmacSize, token.begin() + static_cast<std::ptrdiff_t>(signed_size));
  return base64url_encode(token, true);
}

FernetKeyRing::FernetKeyRing(std::vector<FernetKey> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw InvalidArgument("MultiFernet requires at least one Fernet instance");
}

std::string FernetKeyRing::encrypt(std::span<const std::uint8_t> plaintext, std::int64_t now) const {
  return keys_.front().encrypt(plaintext, now);
}

SecureBuffer FernetKeyRing::decrypt(std::string_view token, std::optional<std::int64_t> ttl,
                                    std::int64_t now) const {
  // Decoded once for all keys. A token that some key authenticates but that is outside
  // its window reports ExpiredTokenError whatever the other keys say: with rotation the
  // owning key is often not the last one.
  const std::vector<std::uint8_t> data = decode_token(token);
  const char* violation = nullptr;
  for (const FernetKey& key : keys_) {
    if (!key.signature_matches(data)) continue;
    violation = window_violation(read_timestamp(data), ttl, now);
    if (violation != nullptr) continue;
    try {
      return key.open(data);
    } catch (const InvalidTokenError&) {
      // As cryptography: a token whose padding fails under one key may be another's.
    }
  }
  if (violation != nullptr) throw ExpiredTokenError(violation);
  throw InvalidTokenError(kNoKeyMessage);
}

std::int64_t FernetKeyRing::extract_timestamp(std::string_view token) const {
  const std::vector<std::uint8_t> data = decode_token(token);
  for (const FernetKey& key : keys_) {
    if (key.signature_matches(data)) return checked_timestamp(read_timestamp(data));
  }
  throw InvalidTokenError(kNoKeyMessage);
}

std::string FernetKeyRing::rotate(std::string_view token) const {
  const std::vector<std::uint8_t> data = decode_token(token);
  for (const FernetKey& key : keys_) {
    if (!key.signature_matches(data)) continue;
    SecureBuffer plaintext;
    try {
      plaintext = key.open(data);
    } catch (const InvalidTokenError&) {
      continue;
    }
    std::array<std::uint8_t, kIvSize> iv;
    random_fill(iv);
    return keys_.front().seal(plaintext.span(), read_timestamp(data), iv);
  }
  throw InvalidTokenError(kNoKeyMessage);
}

}  // namespace totp_native
