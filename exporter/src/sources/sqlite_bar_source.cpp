#include "sources/sqlite_bar_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>

#include "common/fd.h"
#include "common/sqlite_util.h"

namespace usdcop {
namespace {

int OnProgress(void* deadline) {
  return static_cast<const Deadline*>(deadline)->Expired() ||
         static_cast<const Deadline*>(deadline)->Cancelled();
}

std::optional<double> TimeValue(sqlite3_stmt* s, int col) {
  switch (sqlite3_column_type(s, col)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
      return sqlite3_column_double(s, col);
    case SQLITE_TEXT: {
      std::string text(reinterpret_cast<const char*>(sqlite3_column_text(s, col)));
      auto t = ParseTimestamp(text);
      if (!t && text.size() == 19)
        t = ParseTimestamp(text + "Z");  // SQLite's CURRENT_TIMESTAMP: UTC
      if (!t) return std::nullopt;
      return ToUnixSeconds(*t);
    }
    default:
      return std::nullopt;
  }
}

std::optional<double> Number(sqlite3_stmt* s, int col) {
  int type = sqlite3_column_type(s, col);
  if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) return std::nullopt;
  return sqlite3_column_double(s, col);
}

}  // namespace

SqliteBarSource::~SqliteBarSource() { Close(); }

void SqliteBarSource::Close() {
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

Status SqliteBarSource::Fail(const std::string& what, bool signal_table) {
  std::string detail = db_ ? sqlite3_errmsg(db_) : "out of memory";
  int code = db_ ? sqlite3_errcode(db_) : SQLITE_NOMEM;
  Close();  // start afresh next run
  if (code == SQLITE_INTERRUPT)
    return Status(Reason::kTimeout, "sqlite " + path_ + ": " + what + ": the deadline passed");
  if (code == SQLITE_BUSY)
    return Status(Reason::kTimeout, "sqlite " + path_ + ": " + what +
                                        ": the database was locked by a writer until the "
                                        "deadline (a rollback-journal file in a long "
                                        "transaction; WAL mode lets readers in)");
  std::string hint;
  if (detail.find("no such table") != std::string::npos)
    hint = signal_table ? kSignalTableHint : kTableHint;
  if (detail.find("no such column") != std::string::npos)
    hint = signal_table ? kSignalColumnsHint : kColumnsHint;
  return Status(Reason::kQuery, "sqlite " + path_ + ": " + what + ": " + detail + hint);
}

Status SqliteBarSource::Open(const Deadline& d) {
  // The path is looked at every run: a connection kept open would go on reading a file that was
  // removed or replaced under it (the pipeline recreating or restoring it), and opening a FIFO
  // or a device would block past any deadline.
  struct stat st {};
  const bool found = ::stat(path_.c_str(), &st) == 0;
  if (!found || !S_ISREG(st.st_mode)) {
    const std::string why = found ? "not a regular file" : ErrnoText(errno);
    Close();
    return Status(Reason::kConnect, "sqlite " + path_ + ": cannot open: " + why +
                                        " (check probes.market_data.source.sqlite)");
  }
  if (db_ && (st.st_dev != dev_ || st.st_ino != ino_)) Close();  // replaced: read the new file
  if (!db_) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    int rc =
        sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string detail = db_ ? sqlite3_errmsg(db_) : "out of memory";
      Close();
      return Status(Reason::kConnect, "sqlite " + path_ + ": cannot open: " + detail +
                                          " (check probes.market_data.source.sqlite)");
    }
  }
  // A writer's lock (a rollback-journal file while a transaction commits) is waited for until
  // this run's deadline and no longer: set on every call, since the connection outlives the run.
  sqlite3_busy_timeout(db_,
                       static_cast<int>(std::clamp<long long>(d.Remaining().count(), 1, INT_MAX)));
  return Status::Ok();
}

std::string SqliteBarSource::SelectList() const {
  auto col = [](const std::string& c) {
    return c.empty() ? std::string("NULL") : QuoteIdentifier(c);
  };
  const std::string& close = table_.close.empty() ? table_.price : table_.close;
  return col(table_.time) + ", " + col(table_.open) + ", " + col(table_.high) + ", " +
         col(table_.low) + ", " + col(close) + ", " + col(table_.ingested_at);
}

Result<std::optional<bool>> SqliteBarSource::ColumnIsText(const std::string& symbol,
                                                          const std::string& column,
                                                          const Deadline& d) {
  Status s = Open(d);
  if (!s.ok()) return s;
  sqlite3_progress_handler(db_, 1000, OnProgress, const_cast<Deadline*>(&d));
  Stmt probe;
  std::string sql = "SELECT typeof(" + QuoteIdentifier(column) + ") FROM " +
                    QuoteIdentifier(table_.table) + " WHERE " + QuoteIdentifier(table_.symbol) +
                    " = ?1 LIMIT 1";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &probe.s, nullptr) != SQLITE_OK)
    return Fail("reading " + column);
  sqlite3_bind_text(probe.s, 1, symbol.c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(probe.s);
  if (rc == SQLITE_DONE) return std::optional<bool>();  // no rows for the symbol at all
  if (rc != SQLITE_ROW) return Fail("reading " + column);
  return std::optional<bool>(
      std::string(reinterpret_cast<const char*>(sqlite3_column_text(probe.s, 0))) == "text");
}

Result<sqlite3_stmt*> SqliteBarSource::Prepare(const std::string& sql, const std::string& symbol,
                                               bool text, double bound) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return Fail("query");
  sqlite3_bind_text(st, 1, symbol.c_str(), -1, SQLITE_TRANSIENT);
  if (text) {
    // Microsecond ISO text sorts just before the same second written without a fraction, so a
    // lower bound never skips a row.
    std::string iso =
        FormatTimestamp(SysTime(std::chrono::microseconds(static_cast<long long>(bound * 1e6))));
    sqlite3_bind_text(st, 2, iso.c_str(), -1, SQLITE_TRANSIENT);
  } else {
    sqlite3_bind_double(st, 2, bound);
  }
  return st;
}

Result<std::vector<BarRow>> SqliteBarSource::Query(const std::string& symbol,
                                                   const std::string& column, const char* op,
                                                   double bound, const Deadline& d) {
  // Compare in the column's own representation, so that its index serves the range.
  auto text = ColumnIsText(symbol, column, d);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::vector<BarRow>();
  const std::string col = QuoteIdentifier(column);
  auto prepared = Prepare("SELECT " + SelectList() + " FROM " + QuoteIdentifier(table_.table) +
                              " WHERE " + QuoteIdentifier(table_.symbol) + " = ?1 AND " + col +
                              " " + op + " ?2 ORDER BY " + col,
                          symbol, **text, bound);
  if (!prepared.ok()) return prepared.status();
  Stmt st{*prepared};
  std::vector<BarRow> rows;
  const bool has_ohlc = !table_.open.empty() && !table_.high.empty() && !table_.low.empty();
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    auto time = TimeValue(st.s, 0);
    if (!time) continue;  // an unreadable time cannot be placed on the calendar
    BarRow r{*time,           has_ohlc,        Number(st.s, 1),    Number(st.s, 2),
             Number(st.s, 3), Number(st.s, 4), TimeValue(st.s, 5), 0};
    r.mark = table_.ingested_at.empty() ? r.time : r.ingested_at.value_or(r.time);
    rows.push_back(r);
  }
  if (rc != SQLITE_DONE) return Fail("query");
  return rows;
}

Result<NewerBars> SqliteBarSource::BarsNewerThan(const std::string& symbol, double after,
                                                 const Deadline& d) {
  auto text = ColumnIsText(symbol, table_.time, d);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return NewerBars{};
  // Text times compare as text: "> the bar" becomes ">= the next whole second", which every
  // spelling of a later bar on the (whole-second) bar grid satisfies and none of the bar's own.
  const bool is_text = **text;
  const double bound = is_text ? std::floor(after) + 1 : after;
  const std::string col = QuoteIdentifier(table_.time);
  auto prepared =
      Prepare("SELECT COUNT(DISTINCT " + col + "), MAX(" + col + ") FROM " +
                  QuoteIdentifier(table_.table) + " WHERE " + QuoteIdentifier(table_.symbol) +
                  " = ?1 AND " + col + (is_text ? " >= ?2" : " > ?2"),
              symbol, is_text, bound);
  if (!prepared.ok()) return prepared.status();
  Stmt st{*prepared};
  if (sqlite3_step(st.s) != SQLITE_ROW) return Fail("counting bars");
  NewerBars out;
  out.bars = sqlite3_column_int64(st.s, 0);
  if (out.bars > 0) out.newest = TimeValue(st.s, 1);
  return out;
}

Result<std::vector<SignalRow>> SqliteBarSource::ReadySignals(const std::string& table,
                                                             const std::string& signal_type,
                                                             int limit, const Deadline& d) {
  Status s = Open(d);
  if (!s.ok()) return s;
  sqlite3_progress_handler(db_, 1000, OnProgress, const_cast<Deadline*>(&d));
  const std::string sql = "SELECT status, created_at, updated_at, expires_at FROM " +
                          QuoteIdentifier(table) +
                          " WHERE signal_type = ?1 AND status IN ('ready', 'completed') ORDER BY "
                          "created_at DESC LIMIT ?2";
  Stmt st;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st.s, nullptr) != SQLITE_OK)
    return Fail("reading " + table, true);
  sqlite3_bind_text(st.s, 1, signal_type.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st.s, 2, limit);
  std::vector<SignalRow> rows;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    const unsigned char* status = sqlite3_column_text(st.s, 0);
    rows.push_back(SignalRow{status ? reinterpret_cast<const char*>(status) : "",
                             TimeValue(st.s, 1), TimeValue(st.s, 2), TimeValue(st.s, 3)});
  }
  if (rc != SQLITE_DONE) return Fail("reading " + table, true);
  return rows;
}

}  // namespace usdcop
