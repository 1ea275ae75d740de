#include "totp_native/encoding.hpp"

#include <array>

#include "totp_native/errors.hpp"

namespace totp_native {

namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::int8_t kInvalid = -1;

constexpr std::array<std::int8_t, 256> make_decode_table(const char* alphabet, int size,
                                                         bool case_insensitive) {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (int i = 0; i < size; ++i) {
    const auto c = static_cast<unsigned char>(alphabet[i]);
    table[c] = static_cast<std::int8_t>(i);
    if (case_insensitive && c >= 'A' && c <= 'Z') {
      table[static_cast<std::size_t>(c - 'A' + 'a')] = static_cast<std::int8_t>(i);
    }
  }
  return table;
}

constexpr auto kBase32Decode = make_decode_table(kBase32Alphabet, 32, true);
constexpr auto kBase64UrlDecode = make_decode_table(kBase64UrlAlphabet, 64, false);

// Number of base32 characters that carry a final group of 0..4 bytes; other remainders
// (1, 3, 6 characters) are never produced by an encoder.
bool valid_base32_tail(std::size_t chars_in_last_group) {
  switch (chars_in_last_group) {
    case 0: case 2: case 4: case 5: case 7: return true;
    default: return false;
  }
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> data, bool padding) {
  std::string out;
  out.reserve((data.size() + 4) / 5 * 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 31u]);
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31u]);
  if (padding) {
    while (out.size() % 8 != 0) out.push_back('=');
  }
  return out;
}

SecureBuffer base32_decode(std::string_view text) {
  SecureBuffer out;
  out.resize(text.size() * 5 / 8 + 1);
  std::size_t written = 0;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  std::size_t pad = 0;
  for (char ch : text) {
    if (ch == ' ' || ch == '-') continue;
    if (ch == '=') {
      ++pad;
      continue;
    }
    if (pad != 0) {
      buffer = 0;
      throw InvalidArgument("invalid base32: '=' padding may only appear at the end");
    }
    const std::int8_t value = kBase32Decode[static_cast<unsigned char>(ch)];
    if (value == kInvalid) {
      buffer = 0;
      throw InvalidArgument(
          "invalid base32: only A-Z, 2-7, spaces, '-' and trailing '=' are allowed");
    }
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = static_cast<std::uint8_t>(buffer >> bits);
    }
  }
  buffer = 0;
  if (!valid_base32_tail(symbols % 8)) {
    throw InvalidArgument("invalid base32: the length does not match any encoded data");
  }
  if (pad != 0 && (symbols + pad) % 8 != 0) {
    throw InvalidArgument("invalid base32: incorrect '=' padding");
  }
  out.resize(written);
  return out;
}

std::string base64url_encode(std::span<const std::uint8_t> data, bool padding) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kBase64UrlAlphabet[(v >> 18) & 63u]);
    out.push_back(kBase64UrlAlphabet[(v >> 12) & 63u]);
    out.push_back(kBase64UrlAlphabet[(v >> 6) & 63u]);
    out.push_back(kBase64UrlAlphabet[v & 63u]);
  }
  const std::size_t rest = data.size() - i;
  if (rest != 0) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (rest == 2) v |= std::uint32_t{data[i + 1]} << 8;
    out.push_back(kBase64UrlAlphabet[(v >> 18) & 63u]);
    out.push_back(kBase64UrlAlphabet[(v >> 12) & 63u]);
    if (rest == 2) out.push_back(kBase64UrlAlphabet[(v >> 6) & 63u]);
    if (padding) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

bool base64url_decode(std::string_view text, std::vector<std::uint8_t>& out) {
  out.clear();
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  const std::string_view body = text.substr(0, text.size() - pad);
  const std::size_t tail = body.size() % 4;
  if (tail == 1) return false;
  if (pad != 0 && (body.size() + pad) % 4 != 0) return false;
  out.reserve(body.size() / 4 * 3 + 2);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : body) {
    const std::int8_t value = kBase64UrlDecode[static_cast<unsigned char>(ch)];
    if (value == kInvalid) {
      out.clear();
      return false;
    }
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(buffer >> bits));
    }
  }
  // Leftover bits must be zero, or two different texts would decode to the same bytes.
  if (bits > 0 && (buffer & ((1u << bits) - 1u)) != 0) {
    out.clear();
    return false;
  }
  return true;
}

}  // namespace totp_native
