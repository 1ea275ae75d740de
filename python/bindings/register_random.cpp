// random_bytes, random_secret, constant_time_equal.
#include <limits>

#include "fastcall.hpp"
#include "registers.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

namespace {

py::object random_bytes_body(PyObject** a) {
  const auto count = arg_int64(a[0], "n", 0, static_cast<std::int64_t>(kMaxRandomBytes));
  const std::vector<std::uint8_t> bytes = random_bytes(static_cast<std::size_t>(count));
  return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

py::object random_secret_body(PyObject** a) {
  const std::int64_t nbytes =
      a[0] ? arg_int64(a[0], "nbytes", std::numeric_limits<std::int64_t>::min(),
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

py::object constant_time_equal_body(PyObject** a) {
  const bool a_text = PyUnicode_Check(a[0]);
  const bool b_text = PyUnicode_Check(a[1]);
  if (a_text != b_text) {
    throw py::type_error("constant_time_equal: a and b must both be bytes or both be str");
  }
  const BufferArg left(a[0], "a", kBytesOrStr);
  const BufferArg right(a[1], "b", kBytesOrStr);
  return py::bool_(constant_time_equal(left.view(), right.view()));
}

}  // namespace

void register_random(py::module_& m) {
  def_fast(m, {"random_bytes", {"n"}, 1, 1,
               R"doc(random_bytes(n: int) -> bytes

Return ``n`` bytes from OpenSSL's CSPRNG (``RAND_bytes``).

Raises ValueError for a negative ``n`` or more than 1 MiB.)doc",
               &random_bytes_body});

  def_fast(m, {"random_secret", {"nbytes"}, 1, 0,
               R"doc(random_secret(nbytes: int = 20) -> str

Return a new random TOTP secret as unpadded RFC 4648 base32 text.

``nbytes`` random bytes (default 20, as authenticator apps expect) from the CSPRNG;
fewer than 16 raises ValueError.)doc",
               &random_secret_body});

  def_fast(m, {"constant_time_equal", {"a", "b"}, 2, 2,
               R"doc(constant_time_equal(a: bytes | str, b: bytes | str) -> bool

Return True iff ``a`` and ``b`` are equal, in time that depends only on their lengths.

Both must be bytes, or both str (compared as UTF-8).)doc",
               &constant_time_equal_body});
}

}  // namespace totp_native::bindings
