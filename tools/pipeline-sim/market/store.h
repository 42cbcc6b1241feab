// Where the simulated L0 pipeline writes its 5-minute bars: a table in SQLite (the embedded
// default) or PostgreSQL, created when missing, without a primary key (duplicate rows are a
// fault the simulator injects on purpose). Implementations are not thread-safe: the caller
// serialises every call.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "shared/sim_time.h"
#include "shared/status.h"

namespace usdcop::sim {

// One row of the table. Absent prices and volume are written as NULL.
struct BarRow {
  Time time;  // the bar's open time
  std::string symbol;
  std::optional<double> open, high, low, close, volume;
  std::string source;
  Time created_at;
  std::optional<Time> updated_at;
};

class MarketStore {
 public:
  virtual ~MarketStore() = default;

  // "sqlite" or "postgres".
  virtual std::string_view Kind() const = 0;
  // Where it writes, without secrets: a file path, or the conninfo without its password.
  virtual std::string Where() const = 0;
  // Every error below is a DatabaseError.
  // Connects if needed and creates the table and its indexes.
  virtual Status Open() = 0;
  // Inserts every row in one transaction (in batches); on an error nothing was written.
  virtual Status Insert(const std::vector<BarRow>& rows) = 0;
  // The bar times present for the symbol with from <= time < to.
  virtual Result<std::set<Time>> TimesPresent(const std::string& symbol, Time from, Time to) = 0;
  // Whether the last call found the database reachable.
  virtual bool connected() const = 0;
};

// A failed store call: kIo, field "database" (answered 503 {"error", "field": "database"}).
Error DatabaseError(std::string message);

// A table name: an SQL identifier [A-Za-z_][A-Za-z0-9_]*, optionally schema-qualified.
bool IsValidTableName(std::string_view name);
// The part after the schema ("public.bars" -> "bars").
std::string UnqualifiedTable(const std::string& name);
// "2026-11-24T13:10:02.123456Z": always six fraction digits (created_at, updated_at).
std::string FormatMicrosZ(Time t);

std::unique_ptr<MarketStore> MakeSqliteStore(std::string path, std::string table);
// `conninfo` is libpq's; `password`, when not empty, is added to it but never shown.
std::unique_ptr<MarketStore> MakePostgresStore(std::string conninfo, std::string password,
                                               std::string table);

}  // namespace usdcop::sim
