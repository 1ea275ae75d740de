// The CSPRNG front end (random.cpp): no slice of the per-thread pool is ever handed out
// twice, across pool refills, across threads, and across fork() (a child that inherits
// a half-used pool must not repeat what the parent or a sibling hands out).
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "totp_native/errors.hpp"
#include "totp_native/secure.hpp"

using totp_native::random_bytes;
using totp_native::random_fill;

namespace {

using Block = std::array<std::uint8_t, 16>;

std::vector<Block> draw_blocks(std::size_t count) {
  std::vector<Block> out(count);
  for (Block& b : out) random_fill(b);
  return out;
}

// read_all reads exactly |size| bytes from |fd|; false on a short read.
bool read_all(int fd, std::uint8_t* out, std::size_t size) {
  while (size > 0) {
    const ssize_t n = read(fd, out, size);
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

TEST(random_blocks_never_repeat_across_refills) {
  // 2 000 blocks of 16 bytes span several 4 KiB refills; sizes that do not divide the
  // pool make slices straddle a refill.
  std::set<Block> seen;
  for (const Block& b : draw_blocks(2000)) CHECK(seen.insert(b).second);
  for (int i = 0; i < 600; ++i) {
    std::vector<std::uint8_t> odd(23);
    random_fill(odd);
    Block head;
    std::copy_n(odd.begin(), head.size(), head.begin());
    CHECK(seen.insert(head).second);
  }
}

TEST(random_sizes_from_zero_to_large) {
  CHECK(random_bytes(0).empty());
  for (std::size_t n : {1u, 15u, 16u, 255u, 256u, 257u, 4095u, 4096u, 4097u, 70000u}) {
    const auto a = random_bytes(n);
    const auto b = random_bytes(n);
    CHECK_EQ(a.size(), n);
    if (n >= 16) CHECK(a != b);
  }
  CHECK_THROWS_AS(random_bytes(totp_native::kMaxRandomBytes + 1), totp_native::InvalidArgument);
}

TEST(random_threads_get_disjoint_bytes) {
  constexpr int kThreads = 4;
  constexpr std::size_t kPerThread = 600;
  std::vector<std::vector<Block>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&results, t] { results[static_cast<std::size_t>(t)] = draw_blocks(kPerThread); });
  }
  for (auto& thread : threads) thread.join();
  std::set<Block> seen;
  for (const auto& blocks : results) {
    for (const Block& b : blocks) CHECK(seen.insert(b).second);
  }
}

TEST(random_forked_children_never_repeat_the_parent_or_each_other) {
  // The parent's pool is partly used before the fork: exactly the state a child copies.
  const std::vector<Block> before = draw_blocks(10);
  constexpr std::size_t kChildren = 4;
  constexpr std::size_t kPerProcess = 300;  // > one pool of 16-byte slices left over
  std::vector<int> readers;
  std::vector<pid_t> pids;
  for (std::size_t c = 0; c < kChildren; ++c) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      const std::vector<Block> mine = draw_blocks(kPerProcess);
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(mine.data());
      std::size_t left = mine.size() * sizeof(Block);
      while (left > 0) {
        const ssize_t n = write(fds[1], bytes, left);
        if (n <= 0) _exit(2);
        bytes += n;
        left -= static_cast<std::size_t>(n);
      }
      _exit(0);  // no test-harness teardown in the child
    }
    close(fds[1]);
    readers.push_back(fds[0]);
    pids.push_back(pid);
  }
  std::set<Block> seen(before.begin(), before.end());
  for (const Block& b : draw_blocks(kPerProcess)) CHECK(seen.insert(b).second);
  for (std::size_t c = 0; c < kChildren; ++c) {
    std::vector<Block> theirs(kPerProcess);
    CHECK(read_all(readers[c], reinterpret_cast<std::uint8_t*>(theirs.data()),
                   theirs.size() * sizeof(Block)));
    close(readers[c]);
    int status = 0;
    CHECK(waitpid(pids[c], &status, 0) == pids[c]);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (const Block& b : theirs) CHECK(seen.insert(b).second);
  }
  CHECK_EQ(seen.size(), before.size() + (kChildren + 1) * kPerProcess);
}
