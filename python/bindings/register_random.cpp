#include "registers.hpp"
#include "totp_native/encoding.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/secure.hpp"

namespace totp_native::bindings {

namespace {

py::bytes to_pybytes(const std::vector<std::uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

void register_random(py::module_& m) {
  m.def(
      "random_bytes",
      [](const PyInt& n) {
        const auto count = arg_int64(n, "n", 0, static_cast<std::int64_t>(kMaxRandomBytes));
        return to_pybytes(random_bytes(static_cast<std::size_t>(count)));
      },
      py::arg("n"),
      R"doc(Return ``n`` bytes from OpenSSL's CSPRNG (``RAND_bytes``).

Raises ValueError for a negative ``n`` or more than 1 MiB.)doc");

  m.def(
      "random_secret",
      [](const PyInt& nbytes_arg) {
        const auto nbytes = arg_int64(nbytes_arg, "nbytes", INT64_MIN, INT64_MAX);
        if (nbytes < 16) {
          throw py::value_error(
              "random_secret: nbytes must be at least 16 (128 bits, RFC 4226 section 4)");
        }
        if (nbytes > 1024) throw py::value_error("random_secret: nbytes must be at most 1024");
        SecureBuffer key(static_cast<std::size_t>(nbytes));
        random_fill({key.data(), key.size()});
        return base32_encode(key.span(), false);
      },
      py::arg("nbytes") = 20,
      R"doc(Return a new random TOTP secret as unpadded RFC 4648 base32 text.

``nbytes`` random bytes (default 20, as authenticator apps expect) from the CSPRNG;
fewer than 16 raises ValueError.)doc");

  m.def(
      "constant_time_equal",
      [](const PyBytesOrStr& a, const PyBytesOrStr& b) {
        const bool a_text = PyUnicode_Check(a.ptr());
        const bool b_text = PyUnicode_Check(b.ptr());
        if (a_text != b_text) throw py::type_error("constant_time_equal: a and b must both be bytes or both be str");
        return constant_time_equal(bytes_or_str_view(a, "a"), bytes_or_str_view(b, "b"));
      },
      py::arg("a"), py::arg("b"),
      R"doc(Return True iff ``a`` and ``b`` are equal, in time that depends only on their lengths.

Both must be bytes, or both str (compared as UTF-8).)doc");
}

}  // namespace totp_native::bindings
