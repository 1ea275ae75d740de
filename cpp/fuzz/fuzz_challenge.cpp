// Challenge-token verification. The core's verdict (claims, InvalidTokenError,
// ExpiredTokenError) must equal a reference verifier written here from the documented
// layout: base64url(version 1 | issued_at (8, big-endian) | nonce (16) | subject length
// (1) | subject | HMAC-SHA256(key, "totp-native-challenge" 0 purpose 0 body)), using
// OpenSSL's one-shot HMAC. Inputs are raw token text, or tokens the reference signs from
// fuzz-chosen fields (then optionally damaged), verified for a fuzz-chosen purpose,
// max_age and clock. sign_challenge's tokens must verify back to their subject.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "totp_native/challenge.hpp"
#include "totp_native/errors.hpp"

using namespace totp_native;

namespace {

const std::string kKey = "fuzz-challenge-key-0123456789abcdef";

enum class Kind { kOk, kInvalid, kExpired };
struct Outcome {
  Kind kind = Kind::kInvalid;
  std::string subject;
  std::int64_t issued_at = 0;
  std::string nonce_hex;
  bool operator==(const Outcome& o) const {
    return kind == o.kind && subject == o.subject && issued_at == o.issued_at &&
           nonce_hex == o.nonce_hex;
  }
};

std::vector<std::uint8_t> reference_tag(std::string_view purpose, std::span<const std::uint8_t> body) {
  std::string message = "totp-native-challenge";
  message.push_back('\0');
  message.append(purpose);
  message.push_back('\0');
  message.append(reinterpret_cast<const char*>(body.data()), body.size());
  std::vector<std::uint8_t> out(32);
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), kKey.data(), static_cast<int>(kKey.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(),
           &len) == nullptr) {
    fuzz::fail("reference HMAC failed");
  }
  return out;
}

Outcome reference_verify(std::string_view token, std::string_view purpose, std::int64_t max_age,
                         std::int64_t now) {
  const auto raw = fuzz::reference_b64url_decode(token, false);
  if (!raw || raw->size() < 26 + 1 + 32 || (*raw)[0] != 1) return {};
  const std::size_t subject_size = (*raw)[25];
  if (subject_size == 0 || raw->size() != 26 + subject_size + 32) return {};
  const auto tag = reference_tag(purpose, std::span(*raw).first(raw->size() - 32));
  if (CRYPTO_memcmp(tag.data(), raw->data() + raw->size() - 32, 32) != 0) return {};
  std::uint64_t ts = 0;
  for (std::size_t i = 1; i <= 8; ++i) ts = (ts << 8) | (*raw)[i];
  const auto issued_at = static_cast<std::int64_t>(ts);
  const __int128 age = static_cast<__int128>(now) - issued_at;
  if (age < -60 || age > max_age) return {Kind::kExpired, {}, 0, {}};
  Outcome ok{Kind::kOk, std::string(reinterpret_cast<const char*>(raw->data() + 26), subject_size),
             issued_at, {}};
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 9; i < 25; ++i) {
    ok.nonce_hex.push_back(kHex[(*raw)[i] >> 4]);
    ok.nonce_hex.push_back(kHex[(*raw)[i] & 15]);
  }
  return ok;
}

Outcome core_verify(std::string_view token, std::string_view purpose, std::int64_t max_age,
                    std::int64_t now) {
  try {
    const ChallengeClaims claims = verify_challenge(fuzz::as_span(kKey), token, purpose, max_age, now);
    return {Kind::kOk, claims.subject, claims.issued_at, claims.nonce_hex};
  } catch (const ExpiredTokenError&) {
    return {Kind::kExpired, {}, 0, {}};
  } catch (const InvalidTokenError&) {
    return {};
  }
}

std::string build_token(fuzz::Reader& in, std::string_view sign_purpose) {
  std::vector<std::uint8_t> body;
  const std::uint8_t version = in.u8();
  body.push_back(version < 200 ? 1 : version);  // mostly the real version
  const std::uint64_t ts = in.u64();
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<std::uint8_t>(ts >> (56 - 8 * i)));
  const auto nonce = in.bytes(16);
  body.insert(body.end(), nonce.begin(), nonce.end());
  body.resize(25, 0);
  const std::uint8_t declared = in.u8();
  const auto subject = in.field();
  // Mostly the true length; sometimes a lie, which the verifier must catch.
  body.push_back(declared < 200 ? static_cast<std::uint8_t>(subject.size()) : declared);
  body.insert(body.end(), subject.begin(), subject.end());
  const auto tag = reference_tag(sign_purpose, body);
  body.insert(body.end(), tag.begin(), tag.end());
  const std::uint8_t damage = in.u8();
  const std::size_t where = in.u8();
  if (damage % 4 == 1) body[where % body.size()] ^= static_cast<std::uint8_t>(1u << (damage >> 5));
  std::string text = fuzz::reference_b64url_encode(body, (damage & 4) != 0);
  if (damage % 4 == 2) text.resize(where % (text.size() + 1));
  if (damage % 4 == 3) text.insert(where % (text.size() + 1), in.field());
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Reader in(data, size);
  const std::uint8_t mode = in.u8();
  const std::int64_t now = static_cast<std::int64_t>(in.u64());
  std::int64_t max_age = static_cast<std::int64_t>(in.u64());
  if (max_age < 0) max_age = -(max_age + 1);  // negative max_age is an argument error
  std::string purpose(in.field());
  if (purpose.empty()) purpose = "login";
  // Usually signed for the purpose verified; sometimes for another one.
  const std::string sign_purpose = (mode & 2) ? std::string(in.field()) + "x" : purpose;

  const std::string token = (mode & 1) ? std::string(in.rest()) : build_token(in, sign_purpose);
  const Outcome expected = reference_verify(token, purpose, max_age, now);
  FUZZ_CHECK(core_verify(token, purpose, max_age, now) == expected);

  // Round trip through the core's signer with the fuzz-chosen subject and time.
  const std::string_view subject = in.field();
  if (!subject.empty()) {
    const std::string signed_token = sign_challenge(fuzz::as_span(kKey), subject, purpose, now);
    const Outcome back = reference_verify(signed_token, purpose, 0, now);
    FUZZ_CHECK(back.kind == Kind::kOk && back.subject == subject && back.issued_at == now);
    FUZZ_CHECK(core_verify(signed_token, purpose, 0, now) == back);
    if (purpose.size() < kChallengeMaxPurpose) {
      FUZZ_CHECK(core_verify(signed_token, purpose + "!", 0, now).kind == Kind::kInvalid);
    }
  }
  return 0;
}
