// random_bytes, random_secret, constant_time_equal.
#include <limits>

#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

namespace {

constexpr FastParam kRandomBytes[] = {{"n", "int"}};

py::object random_bytes_body(FastArgs<kRandomBytes> a) {
  const auto count = arg_int64(a["n"], "n", 0, static_cast<std::int64_t>(kMaxRandomBytes));
  const std::vector<std::uint8_t> bytes = random_bytes(static_cast<std::size_t>(count));
  return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

constexpr FastParam kRandomSecret[] = {{"nbytes", "int", "20"}};

py::object random_secret_body(FastArgs<kRandomSecret> a) {
  const std::int64_t nbytes =
      a["nbytes"] ? arg_int64(a["nbytes"], "nbytes", std::numeric_limits<std::int64_t>::min(),
                       std::numeric_limits<std::int64_t>::max())
           : 20;
  if (nbytes < 16) {
    throw py::value_error("random_secret: nbytes must be at least 16 (128 bits, RFC 4226 section 4)");
  }
  if (nbytes > 1024) throw py::value_error("random_secret: nbytes must be at most 1024");
  SecureBuffer key(static_cast<std::size_t>(nbytes));
  random_fill({key.data(), key.size()});
  return py::str(base32_encode(key.span(), false));
}

constexpr FastParam kConstantTimeEqual[] = {{"a", "bytes | str"}, {"b", "bytes | str"}};

py::object constant_time_equal_body(FastArgs<kConstantTimeEqual> args) {
  const bool a_text = PyUnicode_Check(args["a"]);
  const bool b_text = PyUnicode_Check(args["b"]);
  if (a_text != b_text) {
    throw py::type_error("constant_time_equal: a and b must both be bytes or both be str");
  }
  const BufferArg left(args["a"], "a", kBytesOrStr);
  const BufferArg right(args["b"], "b", kBytesOrStr);
  return py::bool_(constant_time_equal(left.view(), right.view()));
}

}  // namespace

void register_random(py::module_& m) {
  def_fast<random_bytes_body>(
      m, "random_bytes", "bytes",
      R"doc(Return ``n`` bytes from OpenSSL's CSPRNG (``RAND_bytes``).

Raises ValueError for a negative ``n`` or more than 1 MiB.)doc");

  def_fast<random_secret_body>(
      m, "random_secret", "str",
      R"doc(Return a new random TOTP secret as unpadded RFC 4648 base32 text.

``nbytes`` random bytes (default 20, as authenticator apps expect) from the CSPRNG;
fewer than 16 raises ValueError.)doc");

  def_fast<constant_time_equal_body>(
      m, "constant_time_equal", "bool",
      R"doc(Return True iff ``a`` and ``b`` are equal, in time that depends only on their lengths.

Both must be bytes, or both str (compared as UTF-8).)doc");
}

}  // namespace totp_native::bindings
