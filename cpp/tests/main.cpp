#include <exception>
#include <fstream>

#include "harness.hpp"

namespace harness {

namespace {
std::filesystem::path g_vectors_dir;
int g_failures_in_case = 0;
}  // namespace

std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

const std::filesystem::path& vectors_dir() { return g_vectors_dir; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
    throw std::runtime_error("bad hex digit in a vector file");
  };
  if (hex.size() % 2 != 0) throw std::runtime_error("odd-length hex in a vector file");
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
  }
  return out;
}

void record_failure(const char* file, int line, const std::string& what) {
  ++g_failures_in_case;
  std::cerr << "  " << file << ":" << line << ": " << what << "\n";
}

}  // namespace harness

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: core_tests VECTORS_DIR [CASE_NAME_SUBSTRING | -CASE_NAME_SUBSTRING]\n";
    return 2;
  }
  harness::g_vectors_dir = argv[1];
  // "name" runs only the cases whose name contains it, "-name" all the others.
  std::string filter = argc > 2 ? argv[2] : "";
  const bool exclude = !filter.empty() && filter[0] == '-';
  if (exclude) filter.erase(0, 1);
  int passed = 0, failed = 0;
  for (const auto& c : harness::registry()) {
    const bool named = std::string(c.name).find(filter) != std::string::npos;
    if (!filter.empty() && named == exclude) continue;
    harness::g_failures_in_case = 0;
    try {
      c.body();
    } catch (const harness::RequireFailed&) {
    } catch (const std::exception& e) {
      harness::record_failure(c.name, 0, std::string("unexpected exception: ") + e.what());
    }
    if (harness::g_failures_in_case == 0) {
      ++passed;
    } else {
      ++failed;
      std::cerr << "FAILED " << c.name << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 && passed > 0 ? 0 : 1;
}
