#include "store/state_store.h"

#include <chrono>
#include <filesystem>

namespace usdcop {
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS probe_state (
  namespace  TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  updated_at REAL NOT NULL,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
)sql";

// Finalises a statement however the scope is left.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

void Bind(sqlite3_stmt* s, int i, std::string_view text) {
  sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

}  // namespace

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status(Reason::kIo, "cannot create directory " + dir.string() + " for the state store: " +
                                   ec.message() + " (check --storage.path)");
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<StateStore> store(new StateStore(path, db));
  if (rc != SQLITE_OK) return store->Error("cannot open");
  sqlite3_busy_timeout(db, 5000);
  for (const char* sql : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;", kSchema}) {
    Status s = store->Exec(sql);
    if (!s.ok()) return s;
  }
  Status s = store->Exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";").c_str());
  if (!s.ok()) return s;
  return store;
}

StateStore::~StateStore() { sqlite3_close_v2(db_); }

Status StateStore::Error(std::string_view what) {
  return Status(Reason::kIo, "state store " + path_ + ": " + std::string(what) + ": " +
                                 (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

Status StateStore::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  return rc == SQLITE_OK ? Status::Ok() : Error("cannot initialise");
}

Result<std::optional<std::string>> StateStore::Get(std::string_view ns, std::string_view key) {
  std::lock_guard lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM probe_state WHERE namespace=?1 AND key=?2", -1,
                         &st.s, nullptr) != SQLITE_OK)
    return Error("read failed");
  Bind(st.s, 1, ns);
  Bind(st.s, 2, key);
  int rc = sqlite3_step(st.s);
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Error("read failed");
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0));
  return std::optional<std::string>(std::string(text ? text : ""));
}

Status StateStore::Put(std::string_view ns, std::string_view key, std::string_view value) {
  std::lock_guard lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO probe_state(namespace, key, value, updated_at) "
                         "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(namespace, key) DO UPDATE SET "
                         "value=excluded.value, updated_at=excluded.updated_at",
                         -1, &st.s, nullptr) != SQLITE_OK)
    return Error("write failed");
  Bind(st.s, 1, ns);
  Bind(st.s, 2, key);
  Bind(st.s, 3, value);
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  sqlite3_bind_double(st.s, 4, now);
  return sqlite3_step(st.s) == SQLITE_DONE ? Status::Ok() : Error("write failed");
}

Status StateStore::Delete(std::string_view ns, std::string_view key) {
  std::lock_guard lock(mu_);
  Stmt st;
  if (sqlite3_prepare_v2(db_, "DELETE FROM probe_state WHERE namespace=?1 AND key=?2", -1, &st.s,
                         nullptr) != SQLITE_OK)
    return Error("delete failed");
  Bind(st.s, 1, ns);
  Bind(st.s, 2, key);
  return sqlite3_step(st.s) == SQLITE_DONE ? Status::Ok() : Error("delete failed");
}

}  // namespace usdcop
