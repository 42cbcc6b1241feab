#include "common/sha256.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "support/fake_clock.h"
#include "support/sha256_reference.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir.File(name), std::ios::binary) << bytes;
  return dir.File(name);
}

std::string RandomBytes(std::size_t n) {
  std::mt19937_64 rng(42);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Sha256Hasher, KnownVectors) {
  TempDir dir;
  Sha256Hasher h;
  auto abc = h.HashFile(WriteFile(dir, "abc", "abc"), Deadline::After(5s));
  ASSERT_TRUE(abc.ok()) << abc.status().ToString();
  EXPECT_EQ(abc->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(abc->bytes, 3u);
  auto empty = h.HashFile(WriteFile(dir, "empty", ""), Deadline::After(5s));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(empty->bytes, 0u);
  EXPECT_EQ(Sha256Hex("abc"), abc->sha256);
  EXPECT_EQ(Sha256Hex(""), empty->sha256);
  // FIPS 180-2's long vector: a million 'a'.
  auto million = h.HashFile(WriteFile(dir, "a", std::string(1'000'000, 'a')), Deadline::After(5s));
  ASSERT_TRUE(million.ok());
  EXPECT_EQ(million->sha256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Hasher, FilesOfSeveralChunksMatchOpenSslsOneShotDigest) {
  TempDir dir;
  Sha256Hasher h;
  for (std::size_t n :
       {Sha256Hasher::kChunkBytes, Sha256Hasher::kChunkBytes + 1, std::size_t{3 << 20} + 12345}) {
    const std::string bytes = RandomBytes(n);
    auto d = h.HashFile(WriteFile(dir, "f" + std::to_string(n), bytes), Deadline::After(5s));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->sha256, ReferenceSha256(bytes)) << n << " bytes";
    EXPECT_EQ(d->bytes, n);
  }
}

TEST(Sha256Hasher, ErrorsNameTheFile) {
  TempDir dir;
  Sha256Hasher h;
  auto missing = h.HashFile(dir.File("nope"), Deadline::After(5s));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().reason(), Reason::kIo);
  EXPECT_THAT(missing.status().message(),
              HasSubstr(dir.File("nope") + ": No such file or directory"));

  std::filesystem::create_directory(dir.File("d"));
  auto directory = h.HashFile(dir.File("d"), Deadline::After(5s));
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().reason(), Reason::kIo);
  EXPECT_THAT(directory.status().message(), HasSubstr("Is a directory"));

  std::filesystem::create_symlink(dir.File("abc"), dir.File("link"));
  WriteFile(dir, "abc", "abc");
  EXPECT_FALSE(h.HashFile(dir.File("link"), Deadline::After(5s)).ok())
      << "a final symlink is not followed";
}

TEST(Sha256Hasher, StopsAtTheDeadlineAndOnCancellation) {
  TempDir dir;
  const std::string path = WriteFile(dir, "f", RandomBytes(2 * Sha256Hasher::kChunkBytes));
  Sha256Hasher h;
  auto late = h.HashFile(path, Deadline::After(-1s));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().reason(), Reason::kTimeout);
  EXPECT_THAT(late.status().message(), HasSubstr(path));

  std::atomic<bool> cancelled{true};
  auto cancel = h.HashFile(path, Deadline::After(5s, &cancelled));
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.status().reason(), Reason::kCancelled);

  auto ok = h.HashFile(path, Deadline::After(5s));  // the hasher is reusable after a failure
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->bytes, 2 * Sha256Hasher::kChunkBytes);
}

SysTime T0() { return *ParseTimestamp("2026-11-25T12:00:00Z"); }

TEST(BackupByteRateLimiter, KeepsHashingToItsBudget) {
  TempDir dir;
  constexpr std::uint64_t kRate = 4 * Sha256Hasher::kChunkBytes;  // 4 chunks a second
  // One second's worth is the burst; the 6th and 7th chunks cost 0.25 s each.
  const std::string path = WriteFile(dir, "f", RandomBytes(7 * Sha256Hasher::kChunkBytes));
  FakeClock clock(T0());
  clock.set_advance_on_sleep(true);  // the hasher's waits move the clock
  ByteRateLimiter limiter(kRate);
  Sha256Hasher h;
  const SteadyTime start = clock.SteadyNow();
  auto d = h.HashFile(path, Deadline::After(clock, 10s), &limiter);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  // It waited out the debt of chunks 6 and 7 (the 5th, past the burst, is paid after its read).
  EXPECT_GE(clock.SteadyNow() - start, 500ms);
  EXPECT_LT(clock.SteadyNow() - start, 501ms);
}

TEST(BackupByteRateLimiter, FailsAtOnceWhenTheBudgetCannotBeMetBeforeTheDeadline) {
  FakeClock clock(T0());
  ByteRateLimiter limiter(1024);
  const Deadline deadline = Deadline::After(clock, 10s);
  ASSERT_TRUE(limiter.Acquire(1 << 20, deadline).ok());  // the first read is paid after it
  // ~1000 s of debt to wait out; a wait would block this thread for good (nobody advances).
  Status s = limiter.Acquire(1 << 20, deadline);
  EXPECT_EQ(s.reason(), Reason::kTimeout);
  EXPECT_EQ(clock.SteadyNow(), deadline.at - 10s);
}

TEST(BackupByteRateLimiter, WakesUpForCancellation) {
  FakeClock clock(T0());
  ByteRateLimiter limiter(1 << 20);
  std::atomic<bool> cancelled{false};
  const Deadline deadline = Deadline::After(clock, 60s, &cancelled);
  ASSERT_TRUE(limiter.Acquire(3 << 20, deadline).ok());  // 2 s of debt
  auto paid = std::async(std::launch::async, [&] { return limiter.Acquire(1, deadline); });
  for (int i = 0; i < 10000 && clock.parked() == 0; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(clock.parked(), 1u) << "the payer waits on the clock";
  cancelled = true;
  clock.Advance(50ms);  // its next look at the flag, 50 ms on
  ASSERT_EQ(paid.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(paid.get().reason(), Reason::kCancelled);
  EXPECT_EQ(clock.SteadyNow(), deadline.at - 60s + 50ms);
}

}  // namespace
}  // namespace usdcop
