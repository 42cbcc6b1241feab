// L0 bars from an SQLite database (the embedded default). Opens the file read-only and keeps
// the connection between runs (reopened after an error, or when the path names another file:
// removed, replaced, or not a regular file, which is refused without opening it). Times may be ISO
// 8601 text
// ("2026-11-24T13:05:00Z"; SQLite's "2026-11-24 13:05:00" is read as UTC) or Unix seconds;
// the representation of each column is detected from the table. The Deadline interrupts a
// query through SQLite's progress handler.
#pragma once

#include <sqlite3.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "sources/bar_source.h"

namespace usdcop {

class SqliteBarSource final : public BarSource {
 public:
  SqliteBarSource(std::string path, BarTableConfig table)
      : BarSource(std::move(table)), path_(std::move(path)) {}
  ~SqliteBarSource() override;

  Result<NewerBars> BarsNewerThan(const std::string& symbol, double after,
                                  const Deadline& d) override;
  Result<std::vector<SignalRow>> ReadySignals(const std::string& table,
                                              const std::string& signal_type, int limit,
                                              const Deadline& d) override;

 private:
  Result<std::vector<BarRow>> Query(const std::string& symbol, const std::string& column,
                                    const char* op, double bound, const Deadline& d) override;
  // Whether the column holds text for this symbol (nullopt: the symbol has no rows).
  Result<std::optional<bool>> ColumnIsText(const std::string& symbol, const std::string& column,
                                           const Deadline& d);
  // Prepares `sql` with ?1 = symbol and ?2 = bound in the column's representation.
  Result<sqlite3_stmt*> Prepare(const std::string& sql, const std::string& symbol, bool text,
                                double bound);
  Status Open(const Deadline& d);
  void Close();
  Status Fail(const std::string& what, bool signal_table = false);
  std::string SelectList() const;

  const std::string path_;
  sqlite3* db_ = nullptr;
  dev_t dev_ = 0;  // the file db_ was opened on
  ino_t ino_ = 0;
};

}  // namespace usdcop
