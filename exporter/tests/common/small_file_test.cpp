#include "common/small_file.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "support/temp_dir.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// ReadSmallFile on another thread, bounded: a read that blocks fails the test instead of hanging
// it (and is then released by opening `fifo` for writing, so that the thread can end).
Result<std::string> ReadBounded(const std::string& path, std::size_t max_bytes,
                                const std::string& fifo = "") {
  auto read = std::async(std::launch::async, [&] { return ReadSmallFile(path, max_bytes); });
  if (read.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << path << ": ReadSmallFile blocked for 10 s";
    if (!fifo.empty()) ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));
  }
  return read.get();
}

TEST(SmallFile, ReadsARegularFileWholeAlsoThroughASymlink) {
  TempDir dir;
  Write(dir.File("secret"), "s3cret\n");
  fs::create_symlink(dir.File("secret"), dir.File("link"));
  for (const std::string& path : {dir.File("secret"), dir.File("link")}) {
    auto text = ReadSmallFile(path, 64 << 10);
    ASSERT_TRUE(text.ok()) << text.status().message();
    EXPECT_EQ(*text, "s3cret\n");
  }
  Write(dir.File("empty"), "");
  auto empty = ReadSmallFile(dir.File("empty"), 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(SmallFile, AFifoIsRefusedAtOnceWithoutAWriter) {
  TempDir dir;
  const std::string fifo = dir.File("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto read = ReadBounded(fifo, 64 << 10, fifo);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().reason(), Reason::kParse);
  EXPECT_EQ(read.status().message(), fifo + ": not a regular file (a FIFO)");
}

TEST(SmallFile, DevZeroAndADirectoryAreRefusedUnread) {
  TempDir dir;
  auto zero = ReadBounded("/dev/zero", 64 << 10);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(), "/dev/zero: not a regular file (a character device)");
  auto directory = ReadSmallFile(dir.File(""), 64 << 10);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().reason(), Reason::kParse);
  EXPECT_THAT(directory.status().message(), HasSubstr(": not a regular file (a directory)"));
}

TEST(SmallFile, AFileOverTheCapIsRefusedNamingFileAndCap) {
  TempDir dir;
  Write(dir.File("at_cap"), std::string(64 << 10, 'x'));
  Write(dir.File("over_cap"), std::string(65 << 10, 'x'));
  auto at = ReadSmallFile(dir.File("at_cap"), 64 << 10);
  ASSERT_TRUE(at.ok()) << at.status().message();
  EXPECT_EQ(at->size(), 64u << 10);
  auto over = ReadSmallFile(dir.File("over_cap"), 64 << 10);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().reason(), Reason::kParse);
  EXPECT_EQ(over.status().message(), dir.File("over_cap") + ": larger than 64 KiB");
}

TEST(SmallFile, AProcFileThatSaysSizeZeroIsReadToItsEndWithinTheCap) {
  struct stat st {};
  ASSERT_EQ(::stat("/proc/self/smaps", &st), 0);
  ASSERT_EQ(st.st_size, 0) << "the case under test: a regular file whose size is not known upfront";
  auto smaps = ReadSmallFile("/proc/self/smaps", 16 << 20);
  ASSERT_TRUE(smaps.ok()) << smaps.status().message();
  EXPECT_GT(smaps->size(), 4096u) << "past the first read's 4 KiB";
  EXPECT_EQ(smaps->back(), '\n');
  EXPECT_THAT(smaps->substr(smaps->rfind('\n', smaps->size() - 2)), HasSubstr("VmFlags:"))
      << "the last mapping whole";
  auto capped = ReadSmallFile("/proc/self/smaps", 16);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.status().message(), "/proc/self/smaps: larger than 16 bytes");
}

TEST(SmallFile, MissingIsAnIoErrorAndARefusedSymlinkSaysSo) {
  TempDir dir;
  auto missing = ReadSmallFile(dir.File("nope"), 10);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().reason(), Reason::kIo);
  EXPECT_EQ(missing.status().message(), dir.File("nope") + ": No such file or directory");
  Write(dir.File("target"), "t");
  fs::create_symlink(dir.File("target"), dir.File("link"));
  auto refused = ReadSmallFile(dir.File("link"), 10, FinalSymlink::kRefuse);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), Reason::kParse);
  EXPECT_EQ(refused.status().message(), dir.File("link") + ": a symlink");
  EXPECT_TRUE(ReadSmallFile(dir.File("target"), 10, FinalSymlink::kRefuse).ok());
}

TEST(SmallFile, ByteCountsInTheirLargestWholeUnit) {
  EXPECT_EQ(ByteCountText(64 << 10), "64 KiB");
  EXPECT_EQ(ByteCountText(4 << 20), "4 MiB");
  EXPECT_EQ(ByteCountText(1500), "1500 bytes");
  EXPECT_EQ(ByteCountText(0), "0 bytes");
}

}  // namespace
}  // namespace usdcop
