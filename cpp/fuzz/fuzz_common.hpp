// Shared pieces of the libFuzzer harnesses: an input reader whose layout a seed script
// can write, a strict base64url decoder written independently of the core's (the
// second implementation the token harnesses compare against), and the crash helper.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz {

// Reader hands out fields from the front of the fuzz input; an exhausted input yields
// zeros and empty strings, so every input is a valid (if short) record.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t u8() { return at_end() ? 0 : data_[pos_++]; }
  std::uint64_t u64() {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | u8();
    return value;
  }
  bool flag() { return (u8() & 1u) != 0; }
  // bytes returns up to |n| bytes (fewer when the input runs out).
  std::string_view bytes(std::size_t n) {
    const std::size_t take = n < size_ - pos_ ? n : size_ - pos_;
    const std::string_view out(reinterpret_cast<const char*>(data_ + pos_), take);
    pos_ += take;
    return out;
  }
  // field is a length byte then that many bytes: how seeds spell a short string.
  std::string_view field() { return bytes(u8()); }
  std::string_view rest() { return bytes(size_ - pos_); }
  bool at_end() const { return pos_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

inline std::span<const std::uint8_t> as_span(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// fail reports a broken invariant; abort() makes libFuzzer save the input as a crash.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

#define FUZZ_CHECK(cond)                                                   \
  do {                                                                     \
    if (!(cond)) ::fuzz::fail(#cond " (" __FILE__ ":" FUZZ_STR(__LINE__) ")"); \
  } while (0)
#define FUZZ_STR2(x) #x
#define FUZZ_STR(x) FUZZ_STR2(x)

// reference_b64url_decode decodes URL-safe base64 the way the core documents it: the
// alphabet A-Z a-z 0-9 - _, optional '=' padding that must then be exact, and unused
// low bits of the last symbol equal to zero. Written group by group (not as a bit
// stream like the core) so the two implementations do not share mistakes.
inline std::optional<std::vector<std::uint8_t>> reference_b64url_decode(std::string_view text,
                                                                         bool require_padding) {
  const auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  std::size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  if (pad > 2) return std::nullopt;
  if (require_padding && text.size() % 4 != 0) return std::nullopt;
  if (pad != 0 && text.size() % 4 != 0) return std::nullopt;
  const std::string_view body = text.substr(0, text.size() - pad);
  if (body.size() % 4 == 1) return std::nullopt;
  if (pad != 0 && (body.size() % 4) + pad != 4) return std::nullopt;
  std::vector<std::uint8_t> out;
  for (std::size_t group = 0; group < body.size(); group += 4) {
    const std::size_t n = body.size() - group < 4 ? body.size() - group : 4;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      int d = 0;
      if (k < n) {
        d = value_of(body[group + k]);
        if (d < 0) return std::nullopt;
      }
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    const std::uint8_t b[3] = {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
                               static_cast<std::uint8_t>(v)};
    const std::size_t produced = n == 4 ? 3 : n - 1;  // 2 symbols -> 1 byte, 3 -> 2
    for (std::size_t k = 0; k < produced; ++k) out.push_back(b[k]);
    for (std::size_t k = produced; k < 3; ++k) {
      if (b[k] != 0) return std::nullopt;  // non-zero unused bits: not canonical
    }
  }
  return out;
}

// reference_b64url_encode is the textbook encoder, for building tokens.
inline std::string reference_b64url_encode(std::span<const std::uint8_t> data, bool padding) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const std::size_t n = data.size() - i < 3 ? data.size() - i : 3;
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (n > 1) v |= std::uint32_t{data[i + 1]} << 8;
    if (n > 2) v |= data[i + 2];
    for (std::size_t k = 0; k < n + 1; ++k) out.push_back(kAlphabet[(v >> (18 - 6 * k)) & 63u]);
    if (padding) out.append(3 - n, '=');
  }
  return out;
}

}  // namespace fuzz
