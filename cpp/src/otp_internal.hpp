// Internal: pieces shared by hotp.cpp, totp.cpp and sealed.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "hmac_key.hpp"

namespace totp_native::detail {

// check_key throws InvalidArgument for an empty key.
void check_key(std::span<const std::uint8_t> key);

// hotp_with returns the HOTP value at |counter| under the precomputed |mac|.
std::string hotp_with(const HmacKey& mac, std::uint64_t counter, int digits);

}  // namespace totp_native::detail
