// The exporter's durable state: one SQLite file in WAL mode at --storage.path, created on first
// start. Probes keep what must survive a restart here (the runs already counted, scan
// watermarks), as small JSON documents under (namespace, key), and the backup probe keeps its
// verification cache (one row per file, too many for JSON documents) in a table of its own.
// Thread-safe: one connection behind a mutex; every Put is its own committed transaction, and the
// audit rows queued while the audit writer commits share its next one (group commit). WAL with
// synchronous=NORMAL: a committed write survives the process being killed (kill -9); only a power
// cut or a kernel crash may lose the last transactions. Checkpoints (copying the WAL into the
// database, with an fsync) run on a thread and a connection of their own, never inside a
// caller's commit.
//
// Every write first looks at the store's path: a store deleted, replaced, or made read-only (the
// file or its directory) under the running exporter would still take writes through the
// descriptors SQLite holds, and lose them, or fail to open, at the next start. Such a write is
// refused (Reason::kIo, saying what happened and what to do), so that the probes and actions that
// write report it now; writes go on by themselves once the path is back as it was.
#pragma once

#include <sqlite3.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "common/units.h"

namespace usdcop {

// One file of the backup verification cache: the digest a file had when it was last hashed, and
// what identified the file then (a change of size, mtime, inode or ctime means it must be hashed
// again; ctime catches a file rewritten in place with its mtime put back, which no user can do to
// ctime).
struct FileDigestRow {
  std::string path;  // relative to its set directory
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  std::int64_t ctime_ns = 0;  // 0 in rows written before schema 6: never matches, hashed once
  std::string sha256;         // 64 lowercase hex digits
  SysTime verified_at;
};

// One call of the control API, as the audit log keeps it.
struct AuditRow {
  std::int64_t id = 0;  // assigned by the store
  SysTime time;
  std::string caller;   // the token's name; "" when none was valid
  std::string address;  // the client's IP address
  std::string method;
  std::string endpoint;
  std::string action;  // "" for GET
  std::string params;  // JSON, secrets removed
  int code = 0;
  std::string result;  // a short text: what happened or why it was refused
  std::int64_t count =
      1;  // > 1: the refusals of one (caller, address, code) in one minute, in one row
};

// The answer given to an action that carried an Idempotency-Key, replayed to its retries.
struct IdempotencyRow {
  std::string caller;
  std::string key;
  std::string
      request_hash;  // of the method, endpoint and body: a reuse for another request is refused
  int code = 0;
  std::string body;
  SysTime created;
};

class StateStore {
 public:
  // Opens (creating the file and its directory if needed) and migrates the schema.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& path() const { return path_; }
  // SQLite's ":memory:": a database of this process only, with no file (the fuzz targets').
  bool in_memory() const { return path_ == ":memory:"; }

  Result<std::optional<std::string>> Get(std::string_view ns, std::string_view key);
  Status Put(std::string_view ns, std::string_view key, std::string_view value);
  Status Delete(std::string_view ns, std::string_view key);
  // Every (key, value) of a namespace, by key.
  Result<std::vector<std::pair<std::string, std::string>>> List(std::string_view ns);

  // The file digests of `scope` (a backup set directory), in one query.
  Result<std::vector<FileDigestRow>> LoadFileDigests(std::string_view scope);
  // Upserts `rows` and deletes the `removed` paths of `scope`, in one transaction.
  Status SaveFileDigests(std::string_view scope, const std::vector<FileDigestRow>& rows,
                         const std::vector<std::string>& removed);
  // Deletes the digests of every scope below the directory `root` that is not in `keep`.
  Status RetainFileDigestScopes(std::string_view root, const std::vector<std::string>& keep);

  // The audit log (store/control_tables.cpp). AppendAuditAsync queues a row for the audit
  // writer, a thread of the store's: it commits every row queued by then in one transaction, so
  // N concurrent rows cost one commit, not N, and then calls each row's `done` on its own thread,
  // in queue order, with the row and its id or the error. `done` runs once the row is committed (it
  // survives a kill -9); it must be quick and must not wait for the audit writer. Rows queued
  // before the store is destroyed are written and their `done` called.
  using AuditDone = std::function<void(const AuditRow& row, Result<std::int64_t> id)>;
  void AppendAuditAsync(AuditRow row, AuditDone done);
  // The same, waiting for the commit: the row's id.
  Result<std::int64_t> AppendAudit(const AuditRow& row);
  // Sets the count of the row `id` (a minute's refusals, counted after its first was written).
  Status SetAuditCount(std::int64_t id, std::int64_t count);
  // The newest `limit` rows, newest first.
  Result<std::vector<AuditRow>> RecentAudit(int limit);
  // Deletes the rows older than `before`; the number deleted.
  Result<int> PruneAudit(SysTime before);

  Result<std::optional<IdempotencyRow>> GetIdempotency(std::string_view caller,
                                                       std::string_view key);
  Status PutIdempotency(const IdempotencyRow& row);
  Status PruneIdempotency(SysTime before);

 private:
  StateStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Exec(const char* sql);
  // OK when the path still names the file opened, and it and its directory are writable by
  // this process; the refusal of a write otherwise (see the top of this file).
  Status CheckPath() const;
  Status Error(std::string_view what);
  Status InTransaction(const std::function<Status()>& body) REQUIRES(mu_);
  Status Migrate();
  // ALTER TABLE `table` ADD COLUMN `column` `type`, when the table exists without it.
  Status AddColumnIfMissing(const char* table, const char* column, const char* type);
  // Writes a batch of audit rows in one transaction: the status and each row's id.
  Status WriteAudit(const std::vector<const AuditRow*>& rows, std::vector<std::int64_t>& ids);
  void StartCheckpointer();
  void Checkpoints(sqlite3* db);  // the checkpointer thread

  const std::string path_;
  dev_t dev_ = 0;  // the file opened, set by Open: a path naming another is a replaced store
  ino_t ino_ = 0;
  Mutex mu_;
  // The connection, used with mu_ held once Open has returned (the analysis sees the pointer,
  // which never changes, not the connection behind it).
  sqlite3* const db_;
  sqlite3_stmt* audit_insert_ GUARDED_BY(mu_) =
      nullptr;  // prepared once, by the audit writer's first commit

  // The audit writer: the rows queued, each with what to call once it is committed.
  struct PendingAudit {
    AuditRow row;
    AuditDone done;
  };
  void AuditWriter();  // the audit writer's thread
  Mutex audit_mu_;
  CondVar audit_cv_;
  std::vector<PendingAudit> audit_queue_ GUARDED_BY(audit_mu_);
  bool audit_stop_ GUARDED_BY(audit_mu_) = false;
  std::thread audit_writer_;

  // The checkpointer: wakes when the WAL has grown past a threshold (kCheckpointPages).
  Mutex ck_mu_;
  CondVar ck_cv_;
  bool ck_stop_ GUARDED_BY(ck_mu_) = false;
  bool ck_due_ GUARDED_BY(ck_mu_) = false;
  std::atomic<int> wal_pages_{0};  // the WAL's size at the last commit
  std::thread checkpointer_;
};

}  // namespace usdcop
