// Text encodings of binary data: RFC 4648 base32 (TOTP secrets) and base64url (Fernet,
// challenge tokens).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "totp_native/secure.hpp"

namespace totp_native {

// base32_encode returns the RFC 4648 base32 text of |data| (upper-case alphabet),
// '='-padded to a multiple of 8 characters when |padding| is true.
std::string base32_encode(std::span<const std::uint8_t> data, bool padding = false);

// base32_decode returns the bytes encoded by |text|. Case-insensitive; spaces and '-' are
// ignored anywhere; trailing '=' padding is optional but, when present, must be the
// correct amount. Throws InvalidArgument for any other character, for misplaced padding
// and for a length no encoder produces. The result is a SecureBuffer because the decoded
// bytes are usually a TOTP key.
SecureBuffer base32_decode(std::string_view text);

// base64url_encode returns the URL-safe base64 text of |data| with '=' padding (as
// Python's base64.urlsafe_b64encode and Fernet produce it), or without when
// |padding| is false.
std::string base64url_encode(std::span<const std::uint8_t> data, bool padding = true);

// base64url_decode returns the bytes of URL-safe base64 |text|. Padding is optional but,
// when present, must be correct. Returns false (leaving |out| empty) on any character
// outside the URL-safe alphabet, on bad padding, on a length no encoder produces, or on
// non-zero trailing bits. Never throws for malformed input.
[[nodiscard]] bool base64url_decode(std::string_view text, std::vector<std::uint8_t>& out);

}  // namespace totp_native
