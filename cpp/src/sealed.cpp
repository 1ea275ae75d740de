// Verification against Fernet-sealed secrets without the secret leaving native memory.
#include "totp_native/sealed.hpp"

#include "totp_native/backup_codes.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"

namespace totp_native {

std::optional<std::int64_t> totp_match_sealed(const FernetKeyRing& keys,
                                              std::string_view sealed_secret,
                                              std::string_view code, double for_time,
                                              const OtpParams& params, std::int64_t after_step) {
  params.validate();
  // No TTL: a sealed secret stays valid until the user disables 2FA.
  const SecureBuffer secret_text = keys.decrypt(sealed_secret, std::nullopt, 0);
  SecureBuffer key;
  try {
    key = base32_decode(std::string_view(reinterpret_cast<const char*>(secret_text.data()),
                                         secret_text.size()));
  } catch (const InvalidArgument&) {
    throw InvalidTokenError("the sealed secret does not decrypt to a base32 TOTP secret");
  }
  if (key.empty()) throw InvalidTokenError("the sealed secret is empty");
  return totp_match(key.span(), code, for_time, params, after_step);
}

std::string backup_code_digest_sealed(const FernetKeyRing& keys, std::string_view sealed_key,
                                      std::string_view code) {
  // Junk input is refused before the key is opened. The canonical form is its own
  // canonical form, so backup_code_digest gives the digest of |code| from it.
  std::string normalized = normalize_backup_code(code);
  try {
    const SecureBuffer key = keys.decrypt(sealed_key, std::nullopt, 0);
    if (key.empty()) throw InvalidTokenError("the sealed backup-code key is empty");
    std::string digest = backup_code_digest(key.span(), normalized);
    secure_wipe(normalized);
    return digest;
  } catch (...) {
    secure_wipe(normalized);
    throw;
  }
}

}  // namespace totp_native
