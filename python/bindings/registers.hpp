// One register_<area> per binding file; module.cpp only wires them. Binding files hold
// argument conversion and GIL policy only: every rule lives in cpp/.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>

#include "totp_native/fernet.hpp"

namespace totp_native::bindings {

namespace py = pybind11;

void register_errors(py::module_& m);    // module.cpp: NativeError, InvalidToken, ExpiredToken
void register_random(py::module_& m);    // register_random.cpp: random_bytes, random_secret, constant_time_equal
void register_encoding(py::module_& m);  // register_encoding.cpp: b32encode, b32decode
void register_otp(py::module_& m);       // register_otp.cpp: hotp, totp, totp_match, totp_match_sealed, provisioning_uri
void register_fernet(py::module_& m);    // register_fernet.cpp: Fernet, MultiFernet
void register_challenge(py::module_& m); // register_challenge.cpp: sign_challenge, verify_challenge
void register_backup_codes(py::module_& m);  // register_backup_codes.cpp
void register_qr(py::module_& m);        // register_qr.cpp: qr_svg, qr_png (GIL released)

// Argument checks for the bodies in fastcall.hpp: each raises a TypeError or ValueError
// that names the parameter and never repeats its value.
// arg_text returns a str argument as UTF-8; TypeError for non-str, ValueError for lone
// surrogates.
std::string arg_text(const py::handle& obj, const char* what);
// arg_optional_text is arg_text that maps None to nullopt.
std::optional<std::string> arg_optional_text(const py::handle& obj, const char* what);
// arg_int64 returns an int argument (bool and float are refused: TypeError) within
// [min, max] (else ValueError naming the range).
std::int64_t arg_int64(const py::handle& obj, const char* what, std::int64_t min,
                       std::int64_t max);
// arg_int is arg_int64 for C int parameters whose range the core checks: out-of-range
// values saturate so the core reports them with its usual ValueError.
int arg_int(const py::handle& obj, const char* what);
// arg_bool accepts only True/False.
bool arg_bool(const py::handle& obj, const char* what);

// Shared conversions (conversions.cpp).
//
// WARNING: converting an argument can run Python code (__index__, a patched time.time),
// and that code can resize or free a bytearray passed as another argument. So every body
// converts its scalar arguments first and takes BufferArg views last, right before the
// core call; BufferArg also pins a bytearray (resizing it raises BufferError) until the
// call returns, so a view can never point into freed memory.
//
// BufferArg views a bytes or bytearray argument, or with kBytesOrStr also a str (its
// UTF-8), for as long as it lives. A bytearray is pinned through bytearray's own buffer
// slots (never a subclass's Python-level __buffer__). Throws py::type_error naming |what|
// (never the value) for any other type, py::value_error for a str with lone surrogates.
// Create it only while holding the GIL, and destroy it with the GIL held.
class BufferArg {
 public:
  enum class Accept { kBytes, kBytesOrStr };
  BufferArg(py::handle obj, const char* what, Accept accept);
  ~BufferArg();
  BufferArg(const BufferArg&) = delete;
  BufferArg& operator=(const BufferArg&) = delete;

  std::string_view view() const noexcept { return view_; }
  std::span<const std::uint8_t> bytes() const noexcept {
    return {reinterpret_cast<const std::uint8_t*>(view_.data()), view_.size()};
  }

 private:
  std::string_view view_;
  Py_buffer pin_{};
  bool pinned_ = false;
};
// kBytesOnly and kBytesOrStr name the two kinds at call sites.
inline constexpr BufferArg::Accept kBytesOnly = BufferArg::Accept::kBytes;
inline constexpr BufferArg::Accept kBytesOrStr = BufferArg::Accept::kBytesOrStr;
// str_utf8 returns the UTF-8 of a str argument (immutable, so the view is valid while
// |obj| lives); py::value_error for lone surrogates. |obj| must be a str.
std::string_view str_utf8(const py::handle& obj, const char* what);
// require_initialised throws py::type_error("<class_name> object is not initialised") when
// |obj|, an instance of the bound class of C++ type |type|, never ran __init__
// (Fernet.__new__(Fernet)): pybind11 would then hand out uninitialised memory as the C++
// object. The message names the class only, never the value.
void require_initialised(const py::handle& obj, const std::type_info& type, const char* class_name);
// initialised_cast is obj.cast<const T&>() for an instance of T that must have been
// initialised (require_initialised); every Fernet/MultiFernet the bindings read goes
// through it.
template <typename T>
const T& initialised_cast(const py::handle& obj, const char* class_name) {
  require_initialised(obj, typeid(T), class_name);
  return obj.cast<const T&>();
}
// arg_key_ring returns the keys of a Fernet or MultiFernet argument (a copy: it shares
// the key material, so nothing the caller does later can free what the core uses).
FernetKeyRing arg_key_ring(const py::handle& obj, const char* what);
// unix_time returns |obj| (int or float seconds since the epoch, or None for now) as a
// double; throws py::type_error otherwise and py::value_error for NaN/inf.
double unix_time(const py::handle& obj, const char* what);
// whole_seconds is unix_time for integer-second APIs (Fernet timestamps, challenges).
std::int64_t whole_seconds(const py::handle& obj, const char* what);

}  // namespace totp_native::bindings
