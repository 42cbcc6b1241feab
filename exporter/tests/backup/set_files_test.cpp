#include "backup/set_files.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Files = std::unordered_map<std::string, FileStat>;

int OpenDir(const std::string& path) {
  return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

TEST(BackupSetFiles, ListsRegularFilesRecursivelyWithoutFollowingSymlinks) {
  TempDir dir;
  fs::create_directories(dir.File("set/sub/deeper"));
  fs::create_directories(dir.File("outside"));
  std::ofstream(dir.File("set/a.csv")) << "abc";
  std::ofstream(dir.File("set/sub/deeper/b.csv")) << "";
  std::ofstream(dir.File("outside/secret")) << "s";
  fs::create_symlink(dir.File("outside/secret"), dir.File("set/link"));
  fs::create_directory_symlink(dir.File("outside"), dir.File("set/linkdir"));
  ASSERT_EQ(::mkfifo(dir.File("set/pipe").c_str(), 0600), 0);

  Files files;
  ASSERT_TRUE(ListSetFiles(OpenDir(dir.File("set")), Deadline::After(5s), files).ok());
  ASSERT_EQ(files.size(), 2u);
  ASSERT_TRUE(files.contains("a.csv"));
  ASSERT_TRUE(files.contains("sub/deeper/b.csv"));
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("set/a.csv").c_str(), &st), 0);
  EXPECT_EQ(files["a.csv"].size, 3u);
  EXPECT_EQ(files["a.csv"].inode, st.st_ino);
  EXPECT_EQ(files["a.csv"].mtime_ns, st.st_mtim.tv_sec * 1'000'000'000 + st.st_mtim.tv_nsec);
  EXPECT_EQ(files["sub/deeper/b.csv"].size, 0u);
}

TEST(BackupSetFiles, StopsAtTheDeadlineAndNamesWhatItCouldNotList) {
  TempDir dir;
  fs::create_directories(dir.File("set"));
  std::ofstream(dir.File("set/a")) << "a";
  Files files;
  Status late = ListSetFiles(OpenDir(dir.File("set")), Deadline::After(-1s), files);
  EXPECT_EQ(late.reason(), Reason::kTimeout);
  EXPECT_TRUE(files.empty());

  std::string deep = "set";
  for (int i = 0; i < 34; ++i) deep += "/d";
  fs::create_directories(dir.File(deep));
  Status too_deep = ListSetFiles(OpenDir(dir.File("set")), Deadline::After(5s), files);
  EXPECT_EQ(too_deep.reason(), Reason::kIo);
  EXPECT_THAT(too_deep.message(), ::testing::HasSubstr("nested deeper than 32"));
  EXPECT_TRUE(files.contains("a")) << "what could be listed is";
}

}  // namespace
}  // namespace usdcop
