// MarketStore on SQLite: WAL mode (readers in other processes are not blocked), a 5 s busy
// timeout, times as ISO 8601 UTC text. A table dropped under it is created again.
#include <sqlite3.h>

#include "market/store.h"
#include "shared/log.h"

namespace usdcop::sim {
namespace {

constexpr int kBusyTimeoutMs = 5000;

class SqliteStore : public MarketStore {
 public:
  SqliteStore(std::string path, std::string table)
      : path_(std::move(path)), table_(std::move(table)) {}
  ~SqliteStore() override { Close(); }

  std::string_view Kind() const override { return "sqlite"; }
  std::string Where() const override { return path_; }
  bool connected() const override { return connected_; }
  Status Open() override;
  Status Insert(const std::vector<BarRow>& rows) override;
  Result<std::set<Time>> TimesPresent(const std::string& symbol, Time from, Time to) override;

 private:
  Status Exec(const std::string& sql);
  Status Prepare(const std::string& sql, sqlite3_stmt** stmt);
  Status InsertRow(const BarRow& row);
  // Records a failed call: the connection counts as lost.
  Error Failed(const std::string& what);
  // Opens the database and creates the table; Open() closes it again when this fails.
  Status OpenAndCreate();
  std::string IndexDdl(const std::string& suffix, const std::string& columns) const;
  // After a test dropped the table: the next Open() creates it again.
  void ReopenIfTableMissing(const std::string& error);
  void Close();

  const std::string path_;
  const std::string table_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  bool connected_ = false;
};

void BindTime(sqlite3_stmt* stmt, int i, const std::string& text) {
  sqlite3_bind_text(stmt, i, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void BindNumber(sqlite3_stmt* stmt, int i, const std::optional<double>& v) {
  if (v) {
    sqlite3_bind_double(stmt, i, *v);
  } else {
    sqlite3_bind_null(stmt, i);
  }
}

Error SqliteStore::Failed(const std::string& what) {
  connected_ = false;
  return DatabaseError("sqlite " + path_ + ": " + what + ": " +
                       (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

Status SqliteStore::Exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return Status::Ok();
  std::string text = message ? message : "unknown error";
  sqlite3_free(message);
  connected_ = false;
  return DatabaseError("sqlite " + path_ + ": " + text);
}

Status SqliteStore::Prepare(const std::string& sql, sqlite3_stmt** stmt) {
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, stmt, nullptr) == SQLITE_OK) return Status::Ok();
  return Failed("prepare");
}

std::string SqliteStore::IndexDdl(const std::string& suffix, const std::string& columns) const {
  // SQLite qualifies the index name, not the table: CREATE INDEX s.i ON t (...).
  std::string bare = UnqualifiedTable(table_);
  std::string schema = bare == table_ ? "" : table_.substr(0, table_.size() - bare.size());
  return "CREATE INDEX IF NOT EXISTS " + schema + bare + "_" + suffix + " ON " + bare + " (" +
         columns + ")";
}

Status SqliteStore::Open() {
  if (db_ != nullptr) return Status::Ok();
  Status opened = OpenAndCreate();
  if (!opened.ok()) Close();
  connected_ = opened.ok();
  return opened;
}

Status SqliteStore::OpenAndCreate() {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) return Failed("open");
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  const std::string statements[] = {
      "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
      "CREATE TABLE IF NOT EXISTS " + table_ +
          " (time TEXT NOT NULL, symbol TEXT NOT NULL, open REAL, high REAL, low REAL, "
          "close REAL, volume REAL, source TEXT, created_at TEXT NOT NULL, updated_at TEXT)",
      IndexDdl("symbol_time_idx", "symbol, time"),
      IndexDdl("symbol_created_at_idx", "symbol, created_at")};
  for (const std::string& sql : statements) {
    if (Status s = Exec(sql); !s.ok()) return s;
  }
  return Prepare("INSERT INTO " + table_ +
                     " (time, symbol, open, high, low, close, volume, source, created_at, "
                     "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 &insert_);
}

Status SqliteStore::InsertRow(const BarRow& row) {
  sqlite3_reset(insert_);
  BindTime(insert_, 1, FormatIsoZ(row.time));
  BindTime(insert_, 2, row.symbol);
  BindNumber(insert_, 3, row.open);
  BindNumber(insert_, 4, row.high);
  BindNumber(insert_, 5, row.low);
  BindNumber(insert_, 6, row.close);
  BindNumber(insert_, 7, row.volume);
  BindTime(insert_, 8, row.source);
  BindTime(insert_, 9, FormatMicrosZ(row.created_at));
  if (row.updated_at) {
    BindTime(insert_, 10, FormatMicrosZ(*row.updated_at));
  } else {
    sqlite3_bind_null(insert_, 10);
  }
  if (sqlite3_step(insert_) == SQLITE_DONE) return Status::Ok();
  return Failed("insert");
}

Status SqliteStore::Insert(const std::vector<BarRow>& rows) {
  if (Status s = Open(); !s.ok()) return s;
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  for (const BarRow& row : rows) {
    if (Status s = InsertRow(row); !s.ok()) {
      sqlite3_reset(insert_);
      (void)Exec("ROLLBACK");  // the insert's error is the one to report
      ReopenIfTableMissing(s.message());
      return s;
    }
  }
  sqlite3_reset(insert_);
  Status committed = Exec("COMMIT");
  if (committed.ok()) {
    connected_ = true;
    return committed;
  }
  (void)Exec("ROLLBACK");
  return committed;
}

void SqliteStore::ReopenIfTableMissing(const std::string& error) {
  if (error.find("no such table") == std::string::npos) return;
  Log("sqlite: the table is gone (" + error + "); creating it again");
  Close();
}

Result<std::set<Time>> SqliteStore::TimesPresent(const std::string& symbol, Time from, Time to) {
  if (Status s = Open(); !s.ok()) return s;
  sqlite3_stmt* stmt = nullptr;
  std::string sql = "SELECT time FROM " + table_ + " WHERE symbol = ? AND time >= ? AND time < ?";
  if (Status s = Prepare(sql, &stmt); !s.ok()) {
    ReopenIfTableMissing(s.message());
    return s;
  }
  BindTime(stmt, 1, symbol);
  BindTime(stmt, 2, FormatIsoZ(from));
  BindTime(stmt, 3, FormatIsoZ(to));
  std::set<Time> times;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    auto t = text ? ParseIsoTime(text) : std::nullopt;
    if (t) times.insert(*t);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return Failed("select");
  connected_ = true;
  return times;
}

void SqliteStore::Close() {
  if (insert_ != nullptr) sqlite3_finalize(insert_);
  if (db_ != nullptr) sqlite3_close_v2(db_);
  insert_ = nullptr;
  db_ = nullptr;
}

}  // namespace

std::unique_ptr<MarketStore> MakeSqliteStore(std::string path, std::string table) {
  return std::make_unique<SqliteStore>(std::move(path), std::move(table));
}

}  // namespace usdcop::sim
