// The control API's tables of the state store: the audit log and the Idempotency-Key answers.
#include <pthread.h>

#include <future>

#include "common/mutex.h"
#include "common/sqlite_util.h"
#include "store/state_store.h"

namespace usdcop {
namespace {

std::int64_t Micros(SysTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

void StateStore::AppendAuditAsync(AuditRow row, AuditDone done) {
  {
    MutexLock lock(audit_mu_);
    if (!audit_writer_.joinable()) audit_writer_ = std::thread([this] { AuditWriter(); });
    audit_queue_.push_back(PendingAudit{std::move(row), std::move(done)});
  }
  audit_cv_.NotifyOne();
}

Result<std::int64_t> StateStore::AppendAudit(const AuditRow& row) {
  std::promise<Result<std::int64_t>> written;
  std::future<Result<std::int64_t>> result = written.get_future();
  AppendAuditAsync(row, [&written](const AuditRow&, Result<std::int64_t> r) {
    written.set_value(std::move(r));
  });
  return result.get();
}

void StateStore::AuditWriter() {
  pthread_setname_np(pthread_self(), "audit-writer");  // as top -H and perf show it
  std::vector<PendingAudit> batch;
  std::vector<const AuditRow*> rows;
  std::vector<std::int64_t> ids;
  MutexLock lock(audit_mu_);
  while (true) {
    while (!audit_stop_ && audit_queue_.empty()) audit_cv_.Wait(audit_mu_);
    if (audit_queue_.empty()) return;  // stopping, and every row is written
    batch.swap(audit_queue_);
    lock.Unlock();
    rows.clear();
    ids.clear();
    for (const PendingAudit& p : batch) rows.push_back(&p.row);
    const Status s = WriteAudit(rows, ids);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (s.ok())
        batch[i].done(batch[i].row, ids[i]);
      else
        batch[i].done(batch[i].row, s);
    }
    batch.clear();
    lock.Lock();
  }
}

Status StateStore::WriteAudit(const std::vector<const AuditRow*>& rows,
                              std::vector<std::int64_t>& ids) {
  MutexLock lock(mu_);
  // Every control request writes a row: the statement is prepared once and kept.
  if (!audit_insert_ &&
      sqlite3_prepare_v3(
          db_,
          "INSERT INTO audit_log(time_us, caller, address, method, endpoint, action, params, code, "
          "result, count) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
          -1, SQLITE_PREPARE_PERSISTENT, &audit_insert_, nullptr) != SQLITE_OK)
    return Error("audit log: write failed");
  sqlite3_stmt* const st = audit_insert_;
  return InTransaction([&]() -> Status {
    for (const AuditRow* row : rows) {
      sqlite3_bind_int64(st, 1, Micros(row->time));
      Bind(st, 2, row->caller);
      Bind(st, 3, row->address);
      Bind(st, 4, row->method);
      Bind(st, 5, row->endpoint);
      Bind(st, 6, row->action);
      Bind(st, 7, row->params);
      sqlite3_bind_int(st, 8, row->code);
      Bind(st, 9, row->result);
      sqlite3_bind_int64(st, 10, row->count);
      if (!StepDone(st)) return Error("audit log: write failed");
      ids.push_back(sqlite3_last_insert_rowid(db_));
    }
    return Status::Ok();
  });
}

Status StateStore::SetAuditCount(std::int64_t id, std::int64_t count) {
  if (Status s = CheckPath(); !s.ok()) return s;
  MutexLock lock(mu_);
  return RunOnce(db_, "UPDATE audit_log SET count=?1 WHERE id=?2", count, id)
             ? Status::Ok()
             : Error("audit log: write failed");
}

Result<std::vector<AuditRow>> StateStore::RecentAudit(int limit) {
  MutexLock lock(mu_);
  Stmt st;
  if (!Prepare(
          db_, st,
          "SELECT id, time_us, caller, address, method, endpoint, action, params, code, result, "
          "count FROM audit_log ORDER BY id DESC LIMIT ?1",
          limit))
    return Error("audit log: read failed");
  std::vector<AuditRow> rows;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    AuditRow& r = rows.emplace_back();
    r.id = sqlite3_column_int64(st.s, 0);
    r.time = SysTime(std::chrono::microseconds(sqlite3_column_int64(st.s, 1)));
    r.caller = Text(st.s, 2);
    r.address = Text(st.s, 3);
    r.method = Text(st.s, 4);
    r.endpoint = Text(st.s, 5);
    r.action = Text(st.s, 6);
    r.params = Text(st.s, 7);
    r.code = sqlite3_column_int(st.s, 8);
    r.result = Text(st.s, 9);
    r.count = sqlite3_column_int64(st.s, 10);
  }
  if (rc != SQLITE_DONE) return Error("audit log: read failed");
  return rows;
}

Result<int> StateStore::PruneAudit(SysTime before) {
  // In the order written (by id; no index on time to keep up in every commit), in steps of 1,000
  // rows, each its own transaction, so a first prune of a large log does not hold the store (and
  // the audit writer) for its whole length. It stops at a step with no old row: the rest is newer
  // still. A row stamped in the future (a clock put right later) does not stop it.
  if (Status s = CheckPath(); !s.ok()) return s;
  int deleted = 0;
  std::int64_t after = 0;  // the last id looked at
  for (;;) {
    MutexLock lock(mu_);
    Stmt step;
    if (!Prepare(db_, step,
                 "SELECT id, time_us FROM audit_log WHERE id > ?1 ORDER BY id LIMIT 1000", after))
      return Error("audit log: prune failed");
    const std::int64_t first = after;
    int rows = 0, old = 0;
    int rc;
    while ((rc = sqlite3_step(step.s)) == SQLITE_ROW) {
      ++rows;
      after = sqlite3_column_int64(step.s, 0);
      if (sqlite3_column_int64(step.s, 1) < Micros(before)) ++old;
    }
    if (rc != SQLITE_DONE) return Error("audit log: prune failed");
    if (old == 0) return deleted;
    if (!RunOnce(db_, "DELETE FROM audit_log WHERE id > ?1 AND id <= ?2 AND time_us < ?3", first,
                 after, Micros(before)))
      return Error("audit log: prune failed");
    deleted += sqlite3_changes(db_);
    if (rows < 1000) return deleted;
  }
}

Result<std::optional<IdempotencyRow>> StateStore::GetIdempotency(std::string_view caller,
                                                                 std::string_view key) {
  MutexLock lock(mu_);
  Stmt st;
  if (!Prepare(db_, st,
               "SELECT request_hash, code, body, created_us FROM idempotency_keys WHERE caller=?1 "
               "AND key=?2",
               caller, key))
    return Error("idempotency keys: read failed");
  int rc = sqlite3_step(st.s);
  if (rc == SQLITE_DONE) return std::optional<IdempotencyRow>();
  if (rc != SQLITE_ROW) return Error("idempotency keys: read failed");
  IdempotencyRow r;
  r.caller = std::string(caller);
  r.key = std::string(key);
  r.request_hash = Text(st.s, 0);
  r.code = sqlite3_column_int(st.s, 1);
  r.body = Text(st.s, 2);
  r.created = SysTime(std::chrono::microseconds(sqlite3_column_int64(st.s, 3)));
  return std::optional<IdempotencyRow>(std::move(r));
}

Status StateStore::PutIdempotency(const IdempotencyRow& row) {
  if (Status s = CheckPath(); !s.ok()) return s;
  MutexLock lock(mu_);
  return RunOnce(db_,
                 "INSERT OR REPLACE INTO idempotency_keys(caller, key, request_hash, code, body, "
                 "created_us) "
                 "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                 row.caller, row.key, row.request_hash, row.code, row.body, Micros(row.created))
             ? Status::Ok()
             : Error("idempotency keys: write failed");
}

Status StateStore::PruneIdempotency(SysTime before) {
  if (Status s = CheckPath(); !s.ok()) return s;
  MutexLock lock(mu_);
  return RunOnce(db_, "DELETE FROM idempotency_keys WHERE created_us < ?1", Micros(before))
             ? Status::Ok()
             : Error("idempotency keys: prune failed");
}

}  // namespace usdcop
