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

FileDigestRow Row(const std::string& path, std::uint64_t size, const std::string& sha) {
  return FileDigestRow{path, size, 1'764'000'000'123'456'789, 0xfedcba9876543210u, sha,
                       *ParseTimestamp("2026-11-24T12:00:00.123456Z")};
}

TEST(StateStore, FileDigestsRoundTripPerScopeInOneTransaction) {
  TempDir dir;
  auto store = StateStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  StateStore& s = **store;
  ASSERT_TRUE(s.SaveFileDigests("/b/l0/set1", {Row("a", 1, "aa"), Row("sub/b", 2, "bb")}, {}).ok());
  ASSERT_TRUE(s.SaveFileDigests("/b/l0/set2", {Row("a", 9, "99")}, {}).ok());
  auto rows = s.LoadFileDigests("/b/l0/set1");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  const FileDigestRow& a = (*rows)[0].path == "a" ? (*rows)[0] : (*rows)[1];
  EXPECT_EQ(a.size, 1u);
  EXPECT_EQ(a.mtime_ns, 1'764'000'000'123'456'789);
  EXPECT_EQ(a.inode, 0xfedcba9876543210u);  // above INT64_MAX: stored as its two's complement
  EXPECT_EQ(a.sha256, "aa");
  EXPECT_EQ(a.verified_at, *ParseTimestamp("2026-11-24T12:00:00.123456Z"));

  ASSERT_TRUE(s.SaveFileDigests("/b/l0/set1", {Row("a", 5, "a5")}, {"sub/b"}).ok());  // upsert, delete
  rows = s.LoadFileDigests("/b/l0/set1");
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].sha256, "a5");
  EXPECT_EQ(s.LoadFileDigests("/b/l0/set2")->size(), 1u);
  EXPECT_TRUE(s.LoadFileDigests("/nowhere")->empty());
}

TEST(StateStore, RetainFileDigestScopesForgetsOtherSetsOfTheSameRootOnly) {
  TempDir dir;
  auto store = StateStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  StateStore& s = **store;
  for (const char* scope : {"/b/l0/old", "/b/l0/new", "/b/l01/other_root", "/b/l1/x"})
    ASSERT_TRUE(s.SaveFileDigests(scope, {Row("a", 1, "aa")}, {}).ok());
  ASSERT_TRUE(s.RetainFileDigestScopes("/b/l0", {"/b/l0/new"}).ok());
  EXPECT_TRUE(s.LoadFileDigests("/b/l0/old")->empty());
  EXPECT_EQ(s.LoadFileDigests("/b/l0/new")->size(), 1u);
  EXPECT_EQ(s.LoadFileDigests("/b/l01/other_root")->size(), 1u);
  EXPECT_EQ(s.LoadFileDigests("/b/l1/x")->size(), 1u);
}

}  // namespace
}  // namespace usdcop
