// django_totp_native._core: wires the per-area registrations and maps core exceptions to
// Python classes in exactly one place.
#include <pybind11/pybind11.h>

#include <new>
#include <stdexcept>

#include "registers.hpp"
#include "totp_native/errors.hpp"

namespace totp_native::bindings {

void register_errors(py::module_& m) {
  static py::exception<Error> native_error(m, "NativeError", PyExc_Exception);
  static py::exception<InvalidTokenError> invalid_token(m, "InvalidToken", native_error.ptr());
  static py::exception<ExpiredTokenError> expired_token(m, "ExpiredToken", invalid_token.ptr());
  native_error.doc() = "A failure inside the native core (OpenSSL or libqrencode).";
  invalid_token.doc() =
      "A token that is malformed, tampered with, signed with another key or for another "
      "purpose.";
  expired_token.doc() = "A genuine token outside its validity window.";

  // Most derived first: pybind11 tries translators in reverse registration order, and a
  // catch clause for a base class would swallow the derived ones.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ExpiredTokenError& e) {
      py::set_error(expired_token, e.what());
    } catch (const InvalidTokenError& e) {
      py::set_error(invalid_token, e.what());
    } catch (const Error& e) {
      py::set_error(native_error, e.what());
    } catch (const InvalidArgument& e) {
      py::set_error(PyExc_ValueError, e.what());
    } catch (const std::bad_alloc&) {
      py::set_error(PyExc_MemoryError, "out of memory in the native core");
    } catch (const std::length_error& e) {
      py::set_error(PyExc_ValueError, e.what());
    }
  });
}

}  // namespace totp_native::bindings

PYBIND11_MODULE(_core, m) {
  namespace b = totp_native::bindings;
  m.doc() = "Native TOTP/Fernet/challenge/backup-code/QR core of django-totp-native.";
  b::register_errors(m);
  b::register_random(m);
  b::register_encoding(m);
  b::register_fernet(m);  // before otp: totp_match_sealed's signature names these classes
  b::register_otp(m);
  b::register_challenge(m);
  b::register_backup_codes(m);
  b::register_qr(m);
}
