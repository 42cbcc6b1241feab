#include "store/state_store.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/fd.h"
#include "common/sqlite_util.h"

namespace usdcop {
namespace {

// 2: file_digests; 3: audit_log, idempotency_keys; 4: audit_log.count; 5: no index on
// audit_log.time_us; 6: file_digests.ctime_ns
constexpr int kSchemaVersion = 6;

// The WAL size (pages, 1 MB) at which a commit wakes the checkpointer (it runs at no other time).
// Past it, the checkpointer's second pass holds the writers while it copies and syncs what is left:
// the smaller the WAL, the shorter that pause. Under a flood of audited GETs the control API's p99
// was 3.8-4.7 ms at 1,000 pages and 2.35-2.4 ms at 250 (bench/control_api_latency.sh); 100 was
// worse.
constexpr int kCheckpointPages = 250;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS probe_state (
  namespace  TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  updated_at REAL NOT NULL,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_digests (
  scope          TEXT NOT NULL,
  path           TEXT NOT NULL,
  size           INTEGER NOT NULL,
  mtime_ns       INTEGER NOT NULL,
  inode          INTEGER NOT NULL,
  ctime_ns       INTEGER NOT NULL DEFAULT 0,
  sha256         TEXT NOT NULL,
  verified_at_us INTEGER NOT NULL,
  PRIMARY KEY (scope, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_log (
  id         INTEGER PRIMARY KEY,
  time_us    INTEGER NOT NULL,
  caller     TEXT NOT NULL,
  address    TEXT NOT NULL,
  method     TEXT NOT NULL,
  endpoint   TEXT NOT NULL,
  action     TEXT NOT NULL,
  params     TEXT NOT NULL,
  code       INTEGER NOT NULL,
  result     TEXT NOT NULL,
  count      INTEGER NOT NULL DEFAULT 1
);
-- Rows are pruned in the order written (by id): an index on time_us cost a second page in
-- every commit of the audit writer, and half the log's writes.
DROP INDEX IF EXISTS audit_log_time;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  caller       TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  code         INTEGER NOT NULL,
  body         TEXT NOT NULL,
  created_us   INTEGER NOT NULL,
  PRIMARY KEY (caller, key)
) WITHOUT ROWID;
)sql";

}  // namespace

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status(Reason::kIo, "cannot create directory " + dir.string() +
                                   " for the state store: " + ec.message() +
                                   " (check --storage.path)");
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<StateStore> store(new StateStore(path, db));
  if (rc != SQLITE_OK) return store->Error("cannot open");
  sqlite3_busy_timeout(db, 5000);
  for (const char* sql : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;",
                          "PRAGMA journal_size_limit=67108864;"}) {
    Status s = store->Exec(sql);
    if (!s.ok()) return s;
  }
  if (!store->in_memory()) {  // SQLite's in-memory database (the fuzz targets') has no file
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      return Status(Reason::kIo, "state store " + path + ": cannot stat it once opened: " +
                                     ErrnoText(errno) + " (check --storage.path)");
    store->dev_ = st.st_dev;
    store->ino_ = st.st_ino;
  }
  Status s = store->Migrate();
  if (!s.ok()) return s;
  store->StartCheckpointer();
  return store;
}

Status StateStore::AddColumnIfMissing(const char* table, const char* column, const char* type) {
  Stmt cols;
  const std::string sql = std::string("SELECT count(*), coalesce(sum(name = '") + column +
                          "'), 0) FROM pragma_table_info('" + table + "')";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &cols.s, nullptr) != SQLITE_OK ||
      sqlite3_step(cols.s) != SQLITE_ROW)
    return Error("cannot read the schema");
  const bool missing = sqlite3_column_int(cols.s, 0) > 0 && sqlite3_column_int(cols.s, 1) == 0;
  sqlite3_reset(
      cols.s);  // a statement still reading would lock the schema against the DROP INDEX below
  if (!missing) return Status::Ok();  // a new table gets it from kSchema's CREATE TABLE
  return Exec(
      (std::string("ALTER TABLE ") + table + " ADD COLUMN " + column + " " + type + ";").c_str());
}

Status StateStore::Migrate() {
  // Older tables lack columns added since (the schema's CREATE TABLE IF NOT EXISTS leaves them
  // as they are): version 3's audit_log its count, version 5's file_digests its ctime_ns.
  Status s = AddColumnIfMissing("audit_log", "count", "INTEGER NOT NULL DEFAULT 1");
  if (s.ok()) s = AddColumnIfMissing("file_digests", "ctime_ns", "INTEGER NOT NULL DEFAULT 0");
  if (s.ok()) s = Exec(kSchema);
  if (!s.ok()) return s;
  return Exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";").c_str());
}

void StateStore::StartCheckpointer() {
  sqlite3* ck = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &ck, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    sqlite3_close_v2(ck);
    return;  // SQLite's own checkpoints on commit stay on
  }
  sqlite3_busy_timeout(ck, 5000);
  // A connection learns that the file is in WAL mode when it first reads it; until then its
  // checkpoints do nothing.
  if (sqlite3_exec(ck, "PRAGMA journal_mode=WAL;", nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(ck);
    return;
  }
  // Commits no longer checkpoint; they wake the checkpointer once the WAL is large.
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int pages) {
        auto* store = static_cast<StateStore*>(self);
        store->wal_pages_.store(pages, std::memory_order_relaxed);
        if (pages >= kCheckpointPages) {
          {
            MutexLock lock(store->ck_mu_);
            store->ck_due_ = true;
          }
          store->ck_cv_.NotifyOne();
        }
        return SQLITE_OK;
      },
      this);
  checkpointer_ = std::thread([this, ck] { Checkpoints(ck); });
}

void StateStore::Checkpoints(sqlite3* db) {
  pthread_setname_np(pthread_self(), "checkpointer");
  MutexLock lock(ck_mu_);
  while (!ck_stop_) {
    // Only when the WAL is large, not on a timer: a complete checkpoint lets the log start over,
    // and the commit that starts it over writes and syncs its header (fdatasync, in the caller's
    // commit). Every second, that was one sync in nearly every probe's state write (a market-data
    // cycle took 1.9 ms instead of 1.35 at 1M rows, bench/market_data_cycle.sh); at 250 pages it
    // is one sync per 250 pages written.
    while (!ck_stop_ && !ck_due_) ck_cv_.Wait(ck_mu_);
    if (ck_stop_) break;
    ck_due_ = false;
    lock.Unlock();
    // PASSIVE: copies what no reader needs, never waits for or blocks a writer. But under
    // writes that never pause it never finishes (new frames arrive while it copies), and the
    // log starts over only after a complete checkpoint: it would grow without end. So once the
    // WAL is past kCheckpointPages a second pass runs holding the store's mutex (every reader
    // and writer of the file goes through it): it copies only what arrived during the first,
    // and syncs, and the next commit starts the log over.
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (wal_pages_.load(std::memory_order_relaxed) >= kCheckpointPages) {
      MutexLock writers(mu_);
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      wal_pages_.store(0, std::memory_order_relaxed);
    }
    lock.Lock();
  }
  lock.Unlock();
  sqlite3_close_v2(db);
}

StateStore::~StateStore() {
  {
    MutexLock lock(audit_mu_);
    audit_stop_ = true;
  }
  audit_cv_.NotifyOne();
  if (audit_writer_.joinable()) audit_writer_.join();  // after the rows still queued
  if (checkpointer_.joinable()) {
    {
      MutexLock lock(ck_mu_);
      ck_stop_ = true;
    }
    ck_cv_.NotifyOne();
    checkpointer_.join();
  }
  sqlite3_finalize(audit_insert_);
  sqlite3_close_v2(db_);
}

Status StateStore::Error(std::string_view what) {
  return Status(Reason::kIo, "state store " + path_ + ": " + std::string(what) + ": " +
                                 (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

Status StateStore::CheckPath() const {
  if (in_memory()) return Status::Ok();
  const std::string refused = "state store " + path_ + ": write refused: ";
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return Status(Reason::kIo, refused + "cannot stat it: " + ErrnoText(errno));
    return Status(Reason::kIo, refused +
                                   "it was deleted under the running exporter, which would lose "
                                   "what it writes at its next start; put the file back (writes "
                                   "resume), or restart the exporter to begin a new store");
  }
  if (st.st_dev != dev_ || st.st_ino != ino_)
    return Status(Reason::kIo, refused +
                                   "its path now names another file than the one opened (the "
                                   "store was replaced); restart the exporter to use it");
  // AT_EACCESS: as this process's effective IDs and capabilities would open the file at a start.
  if (::faccessat(AT_FDCWD, path_.c_str(), W_OK, AT_EACCESS) != 0)
    return Status(Reason::kIo, refused + "the file is not writable (" + ErrnoText(errno) +
                                   "), so the exporter could not open it at its next start; make "
                                   "it writable again (chmod u+w) and writes resume");
  const std::string dir = std::filesystem::path(path_).parent_path().string();
  if (::faccessat(AT_FDCWD, dir.empty() ? "." : dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0)
    return Status(Reason::kIo, refused + "its directory is not writable (" + ErrnoText(errno) +
                                   "), where SQLite creates the -wal and -shm files at each "
                                   "start; make it writable again and writes resume");
  return Status::Ok();
}

Status StateStore::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  return rc == SQLITE_OK ? Status::Ok() : Error("cannot initialise");
}

Result<std::optional<std::string>> StateStore::Get(std::string_view ns, std::string_view key) {
  MutexLock lock(mu_);
  Stmt st;
  if (!Prepare(db_, st, "SELECT value FROM probe_state WHERE namespace=?1 AND key=?2", ns, key))
    return Error("read failed");
  int rc = sqlite3_step(st.s);
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Error("read failed");
  return std::optional<std::string>(Text(st.s, 0));
}

Status StateStore::Put(std::string_view ns, std::string_view key, std::string_view value) {
  if (Status s = CheckPath(); !s.ok()) return s;
  MutexLock lock(mu_);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return RunOnce(db_,
                 "INSERT INTO probe_state(namespace, key, value, updated_at) "
                 "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(namespace, key) DO UPDATE SET "
                 "value=excluded.value, updated_at=excluded.updated_at",
                 ns, key, value, now)
             ? Status::Ok()
             : Error("write failed");
}

Status StateStore::Delete(std::string_view ns, std::string_view key) {
  if (Status s = CheckPath(); !s.ok()) return s;
  MutexLock lock(mu_);
  return RunOnce(db_, "DELETE FROM probe_state WHERE namespace=?1 AND key=?2", ns, key)
             ? Status::Ok()
             : Error("delete failed");
}

Result<std::vector<std::pair<std::string, std::string>>> StateStore::List(std::string_view ns) {
  MutexLock lock(mu_);
  Stmt st;
  if (!Prepare(db_, st, "SELECT key, value FROM probe_state WHERE namespace=?1 ORDER BY key", ns))
    return Error("read failed");
  std::vector<std::pair<std::string, std::string>> rows;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) rows.emplace_back(Text(st.s, 0), Text(st.s, 1));
  if (rc != SQLITE_DONE) return Error("read failed");
  return rows;
}

Status StateStore::InTransaction(const std::function<Status()>& body) {
  if (Status s = CheckPath(); !s.ok()) return s;
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return Error("cannot begin a transaction");
  Status s = body();
  if (s.ok() && sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    s = Error("commit failed");
  if (!s.ok()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return s;
}

Result<std::vector<FileDigestRow>> StateStore::LoadFileDigests(std::string_view scope) {
  MutexLock lock(mu_);
  Stmt st;
  if (!Prepare(
          db_, st,
          "SELECT path, size, mtime_ns, inode, sha256, verified_at_us, ctime_ns FROM file_digests "
          "WHERE scope=?1",
          scope))
    return Error("file digests: read failed");
  std::vector<FileDigestRow> rows;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    FileDigestRow& r = rows.emplace_back();
    r.path = Text(st.s, 0);
    r.size = static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 1));
    r.mtime_ns = sqlite3_column_int64(st.s, 2);
    r.inode = static_cast<std::uint64_t>(sqlite3_column_int64(st.s, 3));
    r.sha256 = Text(st.s, 4);
    r.verified_at = SysTime(std::chrono::microseconds(sqlite3_column_int64(st.s, 5)));
    r.ctime_ns = sqlite3_column_int64(st.s, 6);
  }
  if (rc != SQLITE_DONE) return Error("file digests: read failed");
  return rows;
}

Status StateStore::SaveFileDigests(std::string_view scope, const std::vector<FileDigestRow>& rows,
                                   const std::vector<std::string>& removed) {
  if (rows.empty() && removed.empty()) return Status::Ok();
  MutexLock lock(mu_);
  return InTransaction([&]() -> Status {
    Stmt put, del;
    if (sqlite3_prepare_v2(
            db_,
            "INSERT OR REPLACE INTO file_digests(scope, path, size, mtime_ns, inode, "
            "sha256, verified_at_us, ctime_ns) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            -1, &put.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, "DELETE FROM file_digests WHERE scope=?1 AND path=?2", -1, &del.s,
                           nullptr) != SQLITE_OK)
      return Error("file digests: write failed");
    for (const FileDigestRow& r : rows) {
      Bind(put.s, 1, scope);
      Bind(put.s, 2, r.path);
      sqlite3_bind_int64(put.s, 3, static_cast<sqlite3_int64>(r.size));
      sqlite3_bind_int64(put.s, 4, r.mtime_ns);
      sqlite3_bind_int64(put.s, 5, static_cast<sqlite3_int64>(r.inode));
      Bind(put.s, 6, r.sha256);
      sqlite3_bind_int64(put.s, 7, r.verified_at.time_since_epoch().count());
      sqlite3_bind_int64(put.s, 8, r.ctime_ns);
      if (!StepDone(put.s)) return Error("file digests: write failed");
    }
    for (const std::string& path : removed) {
      Bind(del.s, 1, scope);
      Bind(del.s, 2, path);
      if (!StepDone(del.s)) return Error("file digests: delete failed");
    }
    return Status::Ok();
  });
}

Status StateStore::RetainFileDigestScopes(std::string_view root,
                                          const std::vector<std::string>& keep) {
  std::string prefix(root);
  if (prefix.empty() || prefix.back() != '/') prefix += '/';
  MutexLock lock(mu_);
  return InTransaction([&]() -> Status {
    Stmt scopes, del;
    // The scopes that start with "root/": from "root/" up to "root0" ('0' follows '/'), bytewise.
    if (sqlite3_prepare_v2(
            db_, "SELECT DISTINCT scope FROM file_digests WHERE scope >= ?1 AND scope < ?2", -1,
            &scopes.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, "DELETE FROM file_digests WHERE scope=?1", -1, &del.s, nullptr) !=
            SQLITE_OK)
      return Error("file digests: retain failed");
    Bind(scopes.s, 1, prefix);
    Bind(scopes.s, 2, prefix.substr(0, prefix.size() - 1) + '0');
    std::vector<std::string> stale;
    int rc;
    while ((rc = sqlite3_step(scopes.s)) == SQLITE_ROW) {
      std::string scope = Text(scopes.s, 0);
      if (std::find(keep.begin(), keep.end(), scope) == keep.end())
        stale.push_back(std::move(scope));
    }
    if (rc != SQLITE_DONE) return Error("file digests: retain failed");
    for (const std::string& scope : stale) {
      Bind(del.s, 1, scope);
      if (!StepDone(del.s)) return Error("file digests: retain failed");
    }
    return Status::Ok();
  });
}

}  // namespace usdcop
