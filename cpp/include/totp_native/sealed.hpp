// Verification against Fernet-sealed secrets (a TOTP secret, a backup-code digest key),
// with the plaintext kept native.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "totp_native/fernet.hpp"
#include "totp_native/otp.hpp"

namespace totp_native {

// totp_match_sealed decrypts |sealed_secret| (a Fernet token of the base32 secret, as
// django-totp stores it) with |keys|, base32-decodes it and runs totp_match. The secret
// and key bytes live only in wiped buffers. Throws InvalidTokenError when no key
// decrypts the token or the plaintext is not base32; otherwise as totp_match.
[[nodiscard]] std::optional<std::int64_t> totp_match_sealed(
    const FernetKeyRing& keys, std::string_view sealed_secret, std::string_view code,
    double for_time, const OtpParams& params, std::int64_t after_step = -1);

// backup_code_digest_sealed returns backup_code_digest(key, |code|) where key is the
// plaintext of |sealed_key| (a Fernet token of a device's raw digest key) opened with
// |keys|. |code| is normalised first, so input that cannot be a backup code throws
// InvalidArgument (as normalize_backup_code) without the key being opened. The key lives
// only in a wiped buffer. Throws InvalidTokenError when no key decrypts the token or it
// holds an empty key. No TTL: the key stays valid as long as the device's codes.
[[nodiscard]] std::string backup_code_digest_sealed(const FernetKeyRing& keys,
                                                    std::string_view sealed_key,
                                                    std::string_view code);

}  // namespace totp_native
