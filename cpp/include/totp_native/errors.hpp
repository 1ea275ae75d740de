// Exception types thrown by the core. The Python bindings map each to exactly one Python
// class (python/bindings/module.cpp); no other exception type leaves the core on purpose.
//
// WARNING: no message may contain secret material (keys, secrets, codes, plaintext).
#pragma once

#include <stdexcept>
#include <string>

namespace totp_native {

// Error is a failure inside the core itself (an OpenSSL or libqrencode call failed).
// Python: NativeError.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// InvalidTokenError is a token (Fernet or challenge) that is malformed, forged, tampered
// with, signed by another key or made for another purpose. Python: InvalidToken.
class InvalidTokenError : public Error {
 public:
  using Error::Error;
};

// ExpiredTokenError is a genuine token outside its validity window (too old, or issued
// too far in the future). Python: ExpiredToken, a subclass of InvalidToken.
class ExpiredTokenError : public InvalidTokenError {
 public:
  using InvalidTokenError::InvalidTokenError;
};

// InvalidArgument is a caller error: an out-of-range parameter or malformed input that is
// not a token. Python: ValueError.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// throw_openssl_error throws Error naming the failed operation, with OpenSSL's error
// queue text appended (it never holds secret bytes) and the queue cleared.
[[noreturn]] void throw_openssl_error(const char* operation);

}  // namespace totp_native
