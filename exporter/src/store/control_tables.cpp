// The control API's tables of the state store: the audit log and the Idempotency-Key answers.
#include "common/sqlite_util.h"
#include "store/state_store.h"

namespace usdcop {
namespace {

std::int64_t Micros(SysTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

Status StateStore::AppendAudit(const AuditRow& row) {
  std::lock_guard lock(mu_);
  // Every control request writes a row: the statement is prepared once and kept.
  if (!audit_insert_ &&
      sqlite3_prepare_v3(db_,
                         "INSERT INTO audit_log(time_us, caller, address, method, endpoint, action, params, code, "
                         "result) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                         -1, SQLITE_PREPARE_PERSISTENT, &audit_insert_, nullptr) != SQLITE_OK)
    return Error("audit log: write failed");
  sqlite3_stmt* st = audit_insert_;
  sqlite3_bind_int64(st, 1, Micros(row.time));
  Bind(st, 2, row.caller);
  Bind(st, 3, row.address);
  Bind(st, 4, row.method);
  Bind(st, 5, row.endpoint);
  Bind(st, 6, row.action);
  Bind(st, 7, row.params);
  sqlite3_bind_int(st, 8, row.code);
  Bind(st, 9, row.result);
  return StepDone(st) ? Status::Ok() : Error("audit log: write failed");
}

Result<std::vector<AuditRow>> StateStore::RecentAudit(int limit) {
  std::lock_guard lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_,
                         "SELECT id, time_us, caller, address, method, endpoint, action, params, code, result "
                         "FROM audit_log ORDER BY id DESC LIMIT ?1",
                         -1, &st.s, nullptr) != SQLITE_OK)
    return Error("audit log: read failed");
  sqlite3_bind_int(st.s, 1, limit);
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
  }
  if (rc != SQLITE_DONE) return Error("audit log: read failed");
  return rows;
}

Result<int> StateStore::PruneAudit(SysTime before) {
  std::lock_guard lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, "DELETE FROM audit_log WHERE time_us < ?1", -1, &st.s, nullptr) != SQLITE_OK)
    return Error("audit log: prune failed");
  sqlite3_bind_int64(st.s, 1, Micros(before));
  if (sqlite3_step(st.s) != SQLITE_DONE) return Error("audit log: prune failed");
  return sqlite3_changes(db_);
}

Result<std::optional<IdempotencyRow>> StateStore::GetIdempotency(std::string_view caller, std::string_view key) {
  std::lock_guard lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_,
                         "SELECT request_hash, code, body, created_us FROM idempotency_keys WHERE caller=?1 AND key=?2",
                         -1, &st.s, nullptr) != SQLITE_OK)
    return Error("idempotency keys: read failed");
  Bind(st.s, 1, caller);
  Bind(st.s, 2, key);
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
  std::lock_guard lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO idempotency_keys(caller, key, request_hash, code, body, created_us) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                         -1, &st.s, nullptr) != SQLITE_OK)
    return Error("idempotency keys: write failed");
  Bind(st.s, 1, row.caller);
  Bind(st.s, 2, row.key);
  Bind(st.s, 3, row.request_hash);
  sqlite3_bind_int(st.s, 4, row.code);
  Bind(st.s, 5, row.body);
  sqlite3_bind_int64(st.s, 6, Micros(row.created));
  return sqlite3_step(st.s) == SQLITE_DONE ? Status::Ok() : Error("idempotency keys: write failed");
}

Status StateStore::PruneIdempotency(SysTime before) {
  std::lock_guard lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, "DELETE FROM idempotency_keys WHERE created_us < ?1", -1, &st.s, nullptr) != SQLITE_OK)
    return Error("idempotency keys: prune failed");
  sqlite3_bind_int64(st.s, 1, Micros(before));
  return sqlite3_step(st.s) == SQLITE_DONE ? Status::Ok() : Error("idempotency keys: prune failed");
}

}  // namespace usdcop
