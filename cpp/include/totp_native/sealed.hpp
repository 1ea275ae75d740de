// Verification against a Fernet-sealed TOTP secret, with the plaintext kept native.
#pragma once

#include <cstdint>
#include <optional>
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

}  // namespace totp_native
