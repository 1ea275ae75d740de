// The low-level SHA functions are deprecated in OpenSSL 3 in favour of EVP, but remain
// supported for the 3.x series; see hmac_key.hpp for why they are used here.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "hmac_key.hpp"

#include <openssl/sha.h>

#include <array>
#include <cstring>

#include "totp_native/errors.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::detail {

namespace {

// HashOps adapts one SHA family member to a common shape.
template <typename Ctx, int (*Init)(Ctx*), int (*Update)(Ctx*, const void*, size_t),
          int (*Final)(unsigned char*, Ctx*), std::size_t Block, std::size_t Size>
struct HashOps {
  using Context = Ctx;
  static constexpr std::size_t kBlock = Block;
  static constexpr std::size_t kSize = Size;
  static bool init(Ctx* c) { return Init(c) == 1; }
  static bool update(Ctx* c, const void* d, std::size_t n) { return Update(c, d, n) == 1; }
  static bool final(unsigned char* out, Ctx* c) { return Final(out, c) == 1; }
};

using Sha1Ops = HashOps<SHA_CTX, SHA1_Init, SHA1_Update, SHA1_Final, 64, 20>;
using Sha256Ops = HashOps<SHA256_CTX, SHA256_Init, SHA256_Update, SHA256_Final, 64, 32>;
using Sha512Ops = HashOps<SHA512_CTX, SHA512_Init, SHA512_Update, SHA512_Final, 128, 64>;

template <typename Ops>
void setup(unsigned char* state, std::span<const std::uint8_t> key) {
  static_assert(2 * sizeof(typename Ops::Context) <= 2 * 216, "state_ too small");
  auto* inner = reinterpret_cast<typename Ops::Context*>(state);
  auto* outer = inner + 1;
  std::array<std::uint8_t, Ops::kBlock> block_key{};
  if (key.size() > Ops::kBlock) {
    typename Ops::Context c;
    if (!Ops::init(&c) || !Ops::update(&c, key.data(), key.size()) ||
        !Ops::final(block_key.data(), &c)) {
      secure_wipe(&c, sizeof(c));
      throw_openssl_error("HMAC key hash");
    }
    secure_wipe(&c, sizeof(c));
  } else if (!key.empty()) {
    std::memcpy(block_key.data(), key.data(), key.size());
  }
  std::array<std::uint8_t, Ops::kBlock> pad;
  bool ok = true;
  for (std::size_t i = 0; i < Ops::kBlock; ++i) pad[i] = block_key[i] ^ 0x36;
  ok = ok && Ops::init(inner) && Ops::update(inner, pad.data(), pad.size());
  for (std::size_t i = 0; i < Ops::kBlock; ++i) pad[i] = block_key[i] ^ 0x5c;
  ok = ok && Ops::init(outer) && Ops::update(outer, pad.data(), pad.size());
  secure_wipe(pad.data(), pad.size());
  secure_wipe(block_key.data(), block_key.size());
  if (!ok) throw_openssl_error("HMAC key setup");
}

template <typename Ops>
std::size_t mac(const unsigned char* state, std::span<const std::uint8_t> message,
                std::uint8_t* out) {
  const auto* inner = reinterpret_cast<const typename Ops::Context*>(state);
  const auto* outer = inner + 1;
  typename Ops::Context c = *inner;  // a plain struct: copying it is the whole "dup"
  std::array<std::uint8_t, Ops::kSize> inner_hash;
  bool ok = Ops::update(&c, message.data(), message.size()) && Ops::final(inner_hash.data(), &c);
  c = *outer;
  ok = ok && Ops::update(&c, inner_hash.data(), inner_hash.size()) && Ops::final(out, &c);
  secure_wipe(&c, sizeof(c));
  secure_wipe(inner_hash.data(), inner_hash.size());
  if (!ok) throw_openssl_error("HMAC");
  return Ops::kSize;
}

}  // namespace

HmacKey::HmacKey(HashAlgorithm algorithm, std::span<const std::uint8_t> key)
    : algorithm_(algorithm) {
  switch (algorithm_) {
    case HashAlgorithm::kSha1: setup<Sha1Ops>(state_, key); return;
    case HashAlgorithm::kSha256: setup<Sha256Ops>(state_, key); return;
    case HashAlgorithm::kSha512: setup<Sha512Ops>(state_, key); return;
  }
  throw InvalidArgument("unknown hash algorithm");
}

HmacKey::~HmacKey() { secure_wipe(state_, sizeof(state_)); }

std::size_t HmacKey::size() const noexcept {
  switch (algorithm_) {
    case HashAlgorithm::kSha1: return Sha1Ops::kSize;
    case HashAlgorithm::kSha256: return Sha256Ops::kSize;
    case HashAlgorithm::kSha512: return Sha512Ops::kSize;
  }
  return 0;
}

std::size_t HmacKey::compute(std::span<const std::uint8_t> message, std::uint8_t* out) const {
  switch (algorithm_) {
    case HashAlgorithm::kSha1: return mac<Sha1Ops>(state_, message, out);
    case HashAlgorithm::kSha256: return mac<Sha256Ops>(state_, message, out);
    case HashAlgorithm::kSha512: return mac<Sha512Ops>(state_, message, out);
  }
  throw InvalidArgument("unknown hash algorithm");
}

}  // namespace totp_native::detail
