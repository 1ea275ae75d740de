// A minimal test harness: TEST registers a case, CHECK records a failure and goes on,
// REQUIRE stops the case. main.cpp runs every case and prints "N passed, N failed".
#pragma once

#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

struct Case {
  const char* name;
  std::function<void()> body;
};

std::vector<Case>& registry();
// vectors_dir is tests/vectors, passed by CTest as argv[1].
const std::filesystem::path& vectors_dir();
std::string read_file(const std::filesystem::path& path);
void record_failure(const char* file, int line, const std::string& what);
// from_hex decodes hex digits (either case) of a vector file; throws on bad input.
std::vector<std::uint8_t> from_hex(std::string_view hex);

struct Registrar {
  Registrar(const char* name, std::function<void()> body) {
    registry().push_back({name, std::move(body)});
  }
};

struct RequireFailed {};

}  // namespace harness

#define HARNESS_CAT2(a, b) a##b
#define HARNESS_CAT(a, b) HARNESS_CAT2(a, b)
#define TEST(name)                                                              \
  static void HARNESS_CAT(test_, name)();                                       \
  static harness::Registrar HARNESS_CAT(registrar_, name)(#name, &HARNESS_CAT(test_, name)); \
  static void HARNESS_CAT(test_, name)()

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) harness::record_failure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define CHECK_EQ(a, b)                                                          \
  do {                                                                          \
    const auto& harness_a = (a);                                                \
    const auto& harness_b = (b);                                                \
    if (!(harness_a == harness_b)) {                                            \
      std::ostringstream harness_os;                                            \
      harness_os << "CHECK_EQ(" #a ", " #b "): " << harness_a << " != " << harness_b; \
      harness::record_failure(__FILE__, __LINE__, harness_os.str());            \
    }                                                                           \
  } while (0)

#define REQUIRE(cond)                                                           \
  do {                                                                          \
    if (!(cond)) {                                                              \
      harness::record_failure(__FILE__, __LINE__, "REQUIRE(" #cond ")");        \
      throw harness::RequireFailed{};                                           \
    }                                                                           \
  } while (0)

// CHECK_THROWS_AS passes when |expr| throws |type| (or a subclass).
#define CHECK_THROWS_AS(expr, type)                                             \
  do {                                                                          \
    bool harness_thrown = false;                                                \
    try {                                                                       \
      (void)(expr);                                                             \
    } catch (const type&) {                                                     \
      harness_thrown = true;                                                    \
    } catch (...) {                                                             \
    }                                                                           \
    if (!harness_thrown)                                                        \
      harness::record_failure(__FILE__, __LINE__, "CHECK_THROWS_AS(" #expr ", " #type ")"); \
  } while (0)
