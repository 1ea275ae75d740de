// One register_<area> per binding file; module.cpp only wires them. Binding files hold
// argument conversion and GIL policy only: every rule lives in cpp/.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
// bytes_or_str_view returns a view of a bytes/bytearray (raw) or str (UTF-8) argument;
// throws py::type_error naming |what| for anything else. The view is valid while |obj|
// lives.
std::string_view bytes_or_str_view(const py::handle& obj, const char* what);
// bytes_view is bytes_or_str_view for bytes-like only.
std::string_view bytes_view(const py::handle& obj, const char* what);
// unix_time returns |obj| (int or float seconds since the epoch, or None for now) as a
// double; throws py::type_error otherwise and py::value_error for NaN/inf.
double unix_time(const py::handle& obj, const char* what);
// whole_seconds is unix_time for integer-second APIs (Fernet timestamps, challenges).
std::int64_t whole_seconds(const py::handle& obj, const char* what);

}  // namespace totp_native::bindings
