#include "store/state_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"

namespace usdcop {
namespace {

TEST(StateStore, CreatesItsFileAndDirectoryAndKeepsValuesAcrossReopen) {
  TempDir dir;
  const std::string path = dir.File("nested/dir/state.db");
  {
    auto store = StateStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_FALSE((*store)->Get("ns", "k")->has_value());
    ASSERT_TRUE((*store)->Put("ns", "k", "v1").ok());
    ASSERT_TRUE((*store)->Put("ns", "k", "v2").ok());
    ASSERT_TRUE((*store)->Put("other", "k", "o").ok());
  }
  auto store = StateStore::Open(path);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*(*store)->Get("ns", "k").value(), "v2");
  EXPECT_EQ(*(*store)->Get("other", "k").value(), "o");
  ASSERT_TRUE((*store)->Delete("ns", "k").ok());
  EXPECT_FALSE((*store)->Get("ns", "k")->has_value());
}

TEST(StateStore, UsesWriteAheadLogging) {
  TempDir dir;
  auto store = StateStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("a", "b", "c").ok());
  EXPECT_TRUE(std::filesystem::exists(dir.File("s.db-wal")));
}

TEST(StateStore, AnUnusablePathIsAnIoErrorNamingIt) {
  TempDir dir;
  std::ofstream(dir.File("file")) << "x";
  auto store = StateStore::Open(dir.File("file/state.db"));  // a file where a directory should be
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().reason(), Reason::kIo);
  EXPECT_THAT(store.status().message(), ::testing::HasSubstr("file"));
}

}  // namespace
}  // namespace usdcop
