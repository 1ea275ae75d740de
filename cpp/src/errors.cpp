#include "totp_native/errors.hpp"

#include <openssl/err.h>

#include <string>

namespace totp_native {

void throw_openssl_error(const char* operation) {
  std::string message = std::string(operation) + " failed";
  // OpenSSL's error strings describe the failure (library, reason); they never contain
  // the data being processed.
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    message += ": ";
    message += text;
  }
  ERR_clear_error();
  throw Error(message);
}

}  // namespace totp_native
