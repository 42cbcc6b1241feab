#include "backup/copy_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every path below `dir`, relative to it, with "@" after a symlink's and "/" after a directory's.
std::vector<std::string> Tree(const fs::path& dir) {
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    std::string rel = fs::relative(it->path(), dir).string();
    out.push_back(rel + (it->is_symlink() ? "@" : it->is_directory() ? "/" : ""));
  }
  return out;
}

class CopySetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(set_ / "sub");
    fs::create_directories(outside_ / "dir");
    std::ofstream(set_ / "bars.csv") << "time,close\n";
    std::ofstream(set_ / "sub/trades.csv") << "t";
    std::ofstream(outside_ / "secret") << "outside the root";
    std::ofstream(outside_ / "dir/inner") << "outside too";
  }

  TempDir dir_;
  const fs::path set_ = dir_.File("root/20261125_060000");
  const fs::path outside_ = dir_.File("outside");
  const fs::path scratch_ = dir_.File("scratch");
};

TEST_F(CopySetTest, CopiesFilesAndDirectoriesByteForByte) {
  SetCopy copy = CopySet(set_, scratch_, Deadline::After(10s));
  ASSERT_TRUE(copy.status.ok()) << copy.status.message();
  EXPECT_EQ(copy.files_copied, 2u);
  EXPECT_EQ(copy.bytes_copied, 12u);
  EXPECT_EQ(copy.symlinks, 0u);
  EXPECT_TRUE(copy.findings.empty());
  EXPECT_THAT(Tree(scratch_), UnorderedElementsAre("bars.csv", "sub/", "sub/trades.csv"));
  EXPECT_EQ(Read(scratch_ / "bars.csv"), "time,close\n");
  EXPECT_EQ(fs::status(scratch_ / "bars.csv").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(CopySetTest, SymlinksToAFileOrADirectoryOutsideAreNotFollowedButFound) {
  fs::create_symlink(outside_ / "secret", set_ / "link");
  fs::create_directory_symlink(outside_ / "dir", set_ / "sub/linkdir");
  SetCopy copy = CopySet(set_, scratch_, Deadline::After(10s));
  ASSERT_TRUE(copy.status.ok()) << copy.status.message();
  EXPECT_THAT(Tree(scratch_), UnorderedElementsAre("bars.csv", "sub/", "sub/trades.csv"))
      << "no symlink and nothing of their targets in the copy";
  EXPECT_EQ(copy.files_copied, 2u);
  EXPECT_EQ(copy.symlinks, 2u);
  ASSERT_EQ(copy.findings.size(), 2u);
  for (const IntegrityFailure& f : copy.findings)
    EXPECT_EQ(f.reason, IntegrityReason::kBadManifest);
  std::vector<std::string> paths = {copy.findings[0].path, copy.findings[1].path};
  EXPECT_THAT(paths, UnorderedElementsAre("link", "sub/linkdir"));
  const IntegrityFailure& link =
      copy.findings[0].path == "link" ? copy.findings[0] : copy.findings[1];
  EXPECT_THAT(link.detail,
              HasSubstr("a symlink to " + (outside_ / "secret").string() + ": not copied"));
  EXPECT_EQ(Read(outside_ / "secret"), "outside the root") << "the target untouched";
}

TEST_F(CopySetTest, ASymlinkedSetDirectoryIsNotCopiedThrough) {
  const fs::path linked = dir_.File("root/20261126_060000");
  fs::create_directory_symlink(outside_, linked);
  SetCopy copy = CopySet(linked, scratch_, Deadline::After(10s));
  EXPECT_TRUE(copy.status.ok()) << copy.status.message();
  EXPECT_EQ(copy.files_copied, 0u);
  EXPECT_EQ(copy.symlinks, 1u);
  ASSERT_EQ(copy.findings.size(), 1u);
  EXPECT_THAT(copy.findings[0].detail, HasSubstr("the set directory is a symlink"));
  EXPECT_TRUE(fs::is_empty(scratch_));
}

TEST_F(CopySetTest, AnExistingDestinationIsNeverWrittenInto) {
  fs::create_directories(outside_ / "target");
  fs::create_directory_symlink(outside_ / "target", scratch_);  // planted where the copy goes
  SetCopy copy = CopySet(set_, scratch_, Deadline::After(10s));
  ASSERT_FALSE(copy.status.ok());
  EXPECT_EQ(copy.status.reason(), Reason::kIo);
  EXPECT_THAT(copy.status.message(),
              HasSubstr("cannot create " + scratch_.string() + ": File exists"));
  EXPECT_TRUE(fs::is_empty(outside_ / "target"));
}

TEST_F(CopySetTest, FifosAreLeftOutUnopened) {
  ASSERT_EQ(::mkfifo((set_ / "pipe").c_str(), 0600), 0);
  SetCopy copy = CopySet(set_, scratch_, Deadline::After(10s));  // opening it would block
  ASSERT_TRUE(copy.status.ok()) << copy.status.message();
  EXPECT_THAT(Tree(scratch_), UnorderedElementsAre("bars.csv", "sub/", "sub/trades.csv"));
  EXPECT_EQ(copy.symlinks, 0u);
}

TEST_F(CopySetTest, AnExpiredDeadlineStopsTheCopy) {
  SetCopy copy = CopySet(set_, scratch_, Deadline::After(0s));
  ASSERT_FALSE(copy.status.ok());
  EXPECT_EQ(copy.status.reason(), Reason::kTimeout);
  EXPECT_EQ(copy.files_copied, 0u);
}

TEST(LexicallyInside, OnlyPathsStrictlyBelow) {
  EXPECT_TRUE(LexicallyInside("/s/run", "/s/run/a/b"));
  EXPECT_TRUE(LexicallyInside("/s/run/", "/s/run/a"));
  EXPECT_FALSE(LexicallyInside("/s/run", "/s/run"));
  EXPECT_FALSE(LexicallyInside("/s/run", "/s/run/a/../.."));
  EXPECT_FALSE(LexicallyInside("/s/run", "/s/run/../other"));
  EXPECT_FALSE(LexicallyInside("/s/run", "/s/runner"));
  EXPECT_FALSE(LexicallyInside("/s/run", "/etc/passwd"));
}

}  // namespace
}  // namespace usdcop
