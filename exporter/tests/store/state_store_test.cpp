#include "store/state_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "support/temp_dir.h"

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

TEST(StateStore, AnAuditLogOfSchema3GainsItsCountColumn) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(
                db,
                "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, time_us INTEGER NOT NULL, caller "
                "TEXT NOT "
                "NULL, address TEXT NOT NULL, method TEXT NOT NULL, endpoint TEXT NOT NULL, action "
                "TEXT NOT "
                "NULL, params TEXT NOT NULL, code INTEGER NOT NULL, result TEXT NOT NULL);"
                "INSERT INTO audit_log VALUES (1, 5, 'ops', '::1', 'GET', '/api/l0/health', '', "
                "'{}', 200, "
                "'ok'); CREATE INDEX audit_log_time ON audit_log(time_us); PRAGMA user_version=3;",
                nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = StateStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  AuditRow row;
  row.count = 3;
  ASSERT_TRUE((*store)->AppendAudit(row).ok());
  auto rows = (*store)->RecentAudit(10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].count, 3);
  EXPECT_EQ((*rows)[1].caller, "ops");
  EXPECT_EQ((*rows)[1].count, 1);
  { auto closed = std::move(store).value(); }  // closed here
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit_log_time'", -1,
                         &st, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 0)
      << "schema 5 has no index on time_us: it cost every commit a page";
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(StateStore, ItsCheckpointerCopiesTheLogIntoTheDatabaseWhileItIsOpen) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  auto store = StateStore::Open(path);
  ASSERT_TRUE(store.ok());
  const auto before = std::filesystem::file_size(path);
  AuditRow row;
  row.params = std::string(2000, 'x');
  // 600 rows of 2 KB: past the 250 pages (1 MB) of WAL at which a commit wakes the checkpointer.
  for (int i = 0; i < 600; ++i) ASSERT_TRUE((*store)->AppendAudit(row).ok());
  // Commits do not checkpoint; the checkpointer does, within a second or two.
  bool copied = false;
  for (int i = 0; i < 100 && !copied; ++i) {
    // The first checkpoint copies 250 pages (1 MB); 400 KB of them is proof enough.
    copied = std::filesystem::file_size(path) > before + 200 * 2000;
    if (!copied) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(copied) << std::filesystem::file_size(path) << " bytes, " << before << " at start";
}

// No checkpoint on a timer: a complete one lets the WAL start over, and the next commit then
// syncs the log's new header, so a timer made nearly every small write (a probe's state, every
// few seconds) pay an fdatasync. A few small writes stay in the log well past a second.
TEST(StateStore, AFewSmallWritesAreNotCheckpointedOnATimer) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  auto store = StateStore::Open(path);
  ASSERT_TRUE(store.ok());
  const auto before = std::filesystem::file_size(path);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE((*store)->Put("ns", "k" + std::to_string(i), std::string(500, 'v')).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(std::filesystem::file_size(path), before) << "checkpointed without a full WAL";
  EXPECT_GT(std::filesystem::file_size(path + "-wal"), 0u);
}

TEST(StateStore, AnUnusablePathIsAnIoErrorNamingIt) {
  TempDir dir;
  std::ofstream(dir.File("file")) << "x";
  auto store = StateStore::Open(dir.File("file/state.db"));  // a file where a directory should be
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().reason(), Reason::kIo);
  EXPECT_THAT(store.status().message(), ::testing::HasSubstr("file"));
}

// The store looks at its path before each write: deleted or replaced under it, a write is refused
// (it would be lost at the next start) and the error says what to do; put back, writes resume
// and nothing written before is lost.
TEST(StateStore, AWriteIsRefusedWhileItsFileIsDeletedOrReplacedAndResumesWhenItIsBack) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto opened = StateStore::Open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<StateStore> owned = std::move(opened).value();
  StateStore& store = *owned;
  ASSERT_TRUE(store.Put("ns", "k", "before").ok());

  ASSERT_EQ(::link(path.c_str(), (path + ".kept").c_str()), 0);
  ASSERT_EQ(::unlink(path.c_str()), 0);
  Status s = store.Put("ns", "k", "while deleted");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.reason(), Reason::kIo);
  EXPECT_THAT(s.message(), ::testing::HasSubstr(path + ": write refused: it was deleted"));
  EXPECT_THAT(s.message(), ::testing::HasSubstr("restart the exporter"));
  // Every kind of write: a transaction, the audit writer, the control tables.
  EXPECT_FALSE(store.SaveFileDigests("/set", {}, {"a"}).ok());
  Result<std::int64_t> audit = store.AppendAudit(AuditRow{});
  ASSERT_FALSE(audit.ok());
  EXPECT_THAT(audit.status().message(), ::testing::HasSubstr("deleted"));
  EXPECT_FALSE(store.PutIdempotency(IdempotencyRow{"c", "k", "h", 200, "{}", {}}).ok());
  EXPECT_EQ(*store.Get("ns", "k").value(), "before");  // reads go on

  // Replaced: its path names another file.
  std::ofstream(path) << "";
  s = store.Put("ns", "k", "while replaced");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr("names another file"));

  ASSERT_EQ(::rename((path + ".kept").c_str(), path.c_str()), 0);
  ASSERT_TRUE(store.Put("ns", "k", "after").ok());
  ASSERT_TRUE(store.AppendAudit(AuditRow{}).ok());
  owned.reset();
  auto reopened = StateStore::Open(path);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->Get("ns", "k").value(), "after");
}

TEST(StateStore, AnInMemoryStoreHasNoPathToCheckAndTakesWrites) {
  auto store = StateStore::Open(":memory:");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->in_memory());
  ASSERT_TRUE((*store)->Put("ns", "k", "v").ok());
  EXPECT_TRUE((*store)->AppendAudit(AuditRow{}).ok());
  EXPECT_EQ(*(*store)->Get("ns", "k").value(), "v");
}

// Read-only, the file or its directory: the exporter could not open it at its next start.
TEST(StateStore, AWriteIsRefusedWhileTheFileOrItsDirectoryIsReadOnly) {
  TempDir dir;
  std::ofstream(dir.File("probe")) << "";
  ::chmod(dir.File("probe").c_str(), 0444);
  if (::access(dir.File("probe").c_str(), W_OK) == 0)
    GTEST_SKIP() << "chmod does not stop this process from writing (root with CAP_DAC_OVERRIDE; "
                    "FaultMatrixIT.StateStore runs the exporter without it)";
  const std::string path = dir.File("sub/state.db");
  auto opened = StateStore::Open(path);
  ASSERT_TRUE(opened.ok());
  StateStore& store = **opened;
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  Status s = store.Put("ns", "k", "v");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr("the file is not writable"));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(dir.File("sub").c_str(), 0555), 0);
  s = store.Put("ns", "k", "v");
  ::chmod(dir.File("sub").c_str(), 0755);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr("its directory is not writable"));
  EXPECT_TRUE(store.Put("ns", "k", "v").ok());
}

FileDigestRow Row(const std::string& path, std::uint64_t size, const std::string& sha) {
  return FileDigestRow{path,
                       size,
                       1'764'000'000'123'456'789,
                       0xfedcba9876543210u,
                       1'764'000'001'000'000'001,
                       sha,
                       *ParseTimestamp("2026-11-24T12:00:00.123456Z")};
}

TEST(StateStore, FileDigestsOfSchema5GainACtimeThatNoFileMatches) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(
          db,
          "CREATE TABLE file_digests (scope TEXT NOT NULL, path TEXT NOT NULL, size INTEGER "
          "NOT NULL, mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, sha256 TEXT NOT NULL, "
          "verified_at_us INTEGER NOT NULL, PRIMARY KEY (scope, path)) WITHOUT ROWID;"
          "INSERT INTO file_digests VALUES ('/b/set', 'a', 1, 2, 3, 'aa', 4); PRAGMA "
          "user_version=5;",
          nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = StateStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto rows = (*store)->LoadFileDigests("/b/set");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].sha256, "aa");
  EXPECT_EQ((*rows)[0].ctime_ns, 0)
      << "0: the file is hashed once more, then cached with its ctime";
  ASSERT_TRUE((*store)->SaveFileDigests("/b/set", {Row("a", 1, "a1")}, {}).ok());
  EXPECT_EQ((*store)->LoadFileDigests("/b/set")->at(0).ctime_ns, 1'764'000'001'000'000'001);
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
  EXPECT_EQ(a.ctime_ns, 1'764'000'001'000'000'001);
  EXPECT_EQ(a.sha256, "aa");
  EXPECT_EQ(a.verified_at, *ParseTimestamp("2026-11-24T12:00:00.123456Z"));

  ASSERT_TRUE(
      s.SaveFileDigests("/b/l0/set1", {Row("a", 5, "a5")}, {"sub/b"}).ok());  // upsert, delete
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
