// Fernet token verification and decryption (Fernet and the MultiFernet key ring) under a
// fixed key. Every outcome of the core (plaintext, InvalidTokenError, ExpiredTokenError)
// must equal that of a second implementation in this file, written from the Fernet spec
// with OpenSSL's one-shot HMAC and an unpadded AES-CBC whose PKCS#7 padding is checked
// by hand. Random text almost never carries a valid HMAC, so most inputs *build* a token
// with the reference (fuzz-chosen timestamp, IV, plaintext or raw ciphertext blocks),
// optionally damage it, and then compare; the core's encrypt must reproduce exactly the
// tokens the reference builds, and the ring's rotate must re-seal under its first key.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/fernet.hpp"

using namespace totp_native;

namespace {

constexpr std::size_t kBlock = 16;

std::array<std::uint8_t, 32> key_bytes(std::uint8_t first) {
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(first + i);
  return key;
}
const std::array<std::uint8_t, 32> kKey = key_bytes(0);       // AAECAwQF...: seeds use it
const std::array<std::uint8_t, 32> kOtherKey = key_bytes(100);

enum class Kind { kOk, kInvalid, kExpired };
struct Outcome {
  Kind kind;
  std::vector<std::uint8_t> plaintext;
  bool operator==(const Outcome& o) const { return kind == o.kind && plaintext == o.plaintext; }
};

std::vector<std::uint8_t> hmac_sha256(std::span<const std::uint8_t> key,
                                      std::span<const std::uint8_t> message) {
  std::vector<std::uint8_t> out(32);
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(),
           out.data(), &len) == nullptr || len != 32) {
    fuzz::fail("reference HMAC failed");
  }
  return out;
}

// aes_cbc runs AES-128-CBC over whole blocks with padding switched off.
std::vector<std::uint8_t> aes_cbc(bool encrypt, std::span<const std::uint8_t> key,
                                  std::span<const std::uint8_t> iv,
                                  std::span<const std::uint8_t> in) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::vector<std::uint8_t> out(in.size() + kBlock);
  int len = 0, total = 0;
  bool ok = ctx != nullptr &&
            EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), nullptr, key.data(), iv.data(), encrypt ? 1 : 0) == 1 &&
            EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
            EVP_CipherUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())) == 1;
  total = len;
  ok = ok && EVP_CipherFinal_ex(ctx, out.data() + total, &len) == 1;
  total += len;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) fuzz::fail("reference AES-CBC failed");
  out.resize(static_cast<std::size_t>(total));
  return out;
}

std::uint64_t read_be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// reference_decrypt follows the spec's order: decode, version, HMAC, time window (only
// with a TTL, as cryptography), then the ciphertext and its padding.
Outcome reference_decrypt(std::string_view token, const std::array<std::uint8_t, 32>& key,
                          std::optional<std::int64_t> ttl, std::int64_t now) {
  const Outcome invalid{Kind::kInvalid, {}};
  const auto data = fuzz::reference_b64url_decode(token, true);
  if (!data || data->size() < 1 + 8 + 32 || (*data)[0] != 0x80) return invalid;
  const std::size_t signed_size = data->size() - 32;
  const auto mac = hmac_sha256(std::span(key).first(16), std::span(*data).first(signed_size));
  if (CRYPTO_memcmp(mac.data(), data->data() + signed_size, 32) != 0) return invalid;
  const std::uint64_t ts = read_be64(data->data() + 1);
  if (ttl) {
    const __int128 t = ts;
    if (t + *ttl < now || t > static_cast<__int128>(now) + 60) return {Kind::kExpired, {}};
  }
  if (signed_size < 1 + 8 + 16 + kBlock || (signed_size - 25) % kBlock != 0) return invalid;
  auto plain = aes_cbc(false, std::span(key).last(16), std::span(*data).subspan(9, 16),
                       std::span(*data).subspan(25, signed_size - 25));
  const std::uint8_t pad = plain.back();
  if (pad == 0 || pad > kBlock) return invalid;
  for (std::size_t i = plain.size() - pad; i < plain.size(); ++i) {
    if (plain[i] != pad) return invalid;
  }
  plain.resize(plain.size() - pad);
  return {Kind::kOk, plain};
}

template <typename Decrypt>
Outcome core_outcome(Decrypt&& decrypt) {
  try {
    const SecureBuffer plain = decrypt();
    return {Kind::kOk, std::vector<std::uint8_t>(plain.data(), plain.data() + plain.size())};
  } catch (const ExpiredTokenError&) {
    return {Kind::kExpired, {}};
  } catch (const InvalidTokenError&) {
    return {Kind::kInvalid, {}};
  }
}

std::optional<std::int64_t> core_timestamp(const auto& keys, std::string_view token) {
  try {
    return keys.extract_timestamp(token);
  } catch (const InvalidTokenError&) {
    return std::nullopt;
  }
}

// build_token makes a token the way the spec says, from fuzz-chosen parts.
std::string build_token(fuzz::Reader& in, std::vector<std::uint8_t>& plaintext_out,
                        std::uint64_t& ts_out, std::array<std::uint8_t, 16>& iv_out,
                        bool& well_formed, std::string& pristine) {
  const std::uint8_t shape = in.u8();
  ts_out = in.u64();
  const auto iv_text = in.bytes(16);
  iv_out.fill(0);
  std::copy(iv_text.begin(), iv_text.end(), iv_out.begin());
  const auto body = fuzz::as_span(in.field());
  std::vector<std::uint8_t> ciphertext;
  well_formed = false;
  switch (shape % 3) {
    case 0: {  // a real Fernet token: PKCS#7 padding, then AES-CBC
      plaintext_out.assign(body.begin(), body.end());
      std::vector<std::uint8_t> padded(plaintext_out);
      const std::size_t pad = kBlock - padded.size() % kBlock;
      padded.insert(padded.end(), pad, static_cast<std::uint8_t>(pad));
      ciphertext = aes_cbc(true, std::span(kKey).last(16), iv_out, padded);
      well_formed = true;
      break;
    }
    case 1: {  // whole blocks of fuzz-chosen plaintext: the padding is whatever it is
      std::vector<std::uint8_t> blocks(body.begin(), body.end());
      blocks.resize(blocks.size() / kBlock * kBlock);
      ciphertext = aes_cbc(true, std::span(kKey).last(16), iv_out, blocks);
      break;
    }
    default:  // raw bytes as ciphertext: any length, signed all the same
      ciphertext.assign(body.begin(), body.end());
      break;
  }
  std::vector<std::uint8_t> data{0x80};
  for (int i = 0; i < 8; ++i) data.push_back(static_cast<std::uint8_t>(ts_out >> (56 - 8 * i)));
  data.insert(data.end(), iv_out.begin(), iv_out.end());
  data.insert(data.end(), ciphertext.begin(), ciphertext.end());
  const auto mac = hmac_sha256(std::span(kKey).first(16), data);
  data.insert(data.end(), mac.begin(), mac.end());

  // Optional damage: flip a decoded byte, or cut / extend the text.
  const std::uint8_t damage = in.u8();
  const std::size_t where = in.u8();
  pristine = fuzz::reference_b64url_encode(data, true);
  if (damage % 4 == 1 && !data.empty()) data[where % data.size()] ^= static_cast<std::uint8_t>(1u << (damage >> 5));
  std::string text = fuzz::reference_b64url_encode(data, true);
  if (damage % 4 == 2) text.resize(where % (text.size() + 1));
  if (damage % 4 == 3) text.insert(where % (text.size() + 1), in.field());
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const FernetKey key(fuzz::reference_b64url_encode(kKey, true));
  static const FernetKey other(fuzz::reference_b64url_encode(kOtherKey, true));
  static const FernetKeyRing ring({other, key});
  static const FernetKeyRing other_ring({other});

  fuzz::Reader in(data, size);
  const std::uint8_t mode = in.u8();
  const std::uint8_t time_mode = in.u8();
  const std::int64_t now = static_cast<std::int64_t>(in.u64());
  std::optional<std::int64_t> ttl;
  if (time_mode & 1) ttl = static_cast<std::int64_t>(in.u64());

  std::string token;
  std::vector<std::uint8_t> plaintext;
  std::uint64_t ts = 0;
  std::array<std::uint8_t, 16> iv{};
  bool well_formed = false;
  std::string pristine;
  if (mode & 1) {
    token = std::string(in.rest());  // raw text: the decoder and every early check
  } else {
    token = build_token(in, plaintext, ts, iv, well_formed, pristine);
  }

  const Outcome expected = reference_decrypt(token, kKey, ttl, now);
  const Outcome single = core_outcome([&] { return key.decrypt(token, ttl, now); });
  FUZZ_CHECK(single == expected);
  // The ring holds another key first: it must come to the very same verdict.
  FUZZ_CHECK(core_outcome([&] { return ring.decrypt(token, ttl, now); }) == expected);
  FUZZ_CHECK(core_outcome([&] { return other.decrypt(token, ttl, now); }).kind == Kind::kInvalid);

  // extract_timestamp: any authentic token, whatever its ciphertext.
  const Outcome untimed = reference_decrypt(token, kKey, std::nullopt, 0);
  const auto stamp = core_timestamp(key, token);
  FUZZ_CHECK(stamp == core_timestamp(ring, token));
  if (stamp) {
    const auto raw = fuzz::reference_b64url_decode(token, true);
    FUZZ_CHECK(raw && static_cast<std::uint64_t>(*stamp) == read_be64(raw->data() + 1));
  }
  if (untimed.kind == Kind::kOk) {
    // rotate re-seals under the ring's first key with the original timestamp.
    const std::string rotated = ring.rotate(token);
    FUZZ_CHECK(reference_decrypt(rotated, kOtherKey, std::nullopt, 0) == untimed);
    FUZZ_CHECK(core_outcome([&] { return other_ring.decrypt(rotated, std::nullopt, 0); }) == untimed);
    FUZZ_CHECK(core_outcome([&] { return key.decrypt(rotated, std::nullopt, 0); }).kind == Kind::kInvalid);
    const auto original = fuzz::reference_b64url_decode(token, true);
    const auto resealed = fuzz::reference_b64url_decode(rotated, true);
    FUZZ_CHECK(read_be64(original->data() + 1) == read_be64(resealed->data() + 1));
  } else {
    bool threw = false;
    try {
      (void)ring.rotate(token);
    } catch (const InvalidTokenError&) {
      threw = true;
    }
    FUZZ_CHECK(threw);
  }

  // The core's encrypt builds byte-identical tokens (encryption is deterministic given
  // the IV), and they open to the plaintext through both paths.
  if (well_formed && ts <= static_cast<std::uint64_t>(INT64_MAX)) {
    const std::string sealed = key.encrypt_with_iv(plaintext, static_cast<std::int64_t>(ts), iv);
    FUZZ_CHECK(sealed == pristine);
    FUZZ_CHECK(reference_decrypt(sealed, kKey, std::nullopt, 0) == (Outcome{Kind::kOk, plaintext}));
    const std::string fresh = ring.encrypt(plaintext, static_cast<std::int64_t>(ts));
    FUZZ_CHECK(reference_decrypt(fresh, kOtherKey, std::nullopt, 0) == (Outcome{Kind::kOk, plaintext}));
  }
  return 0;
}
