// A SQLite market table for tests, written the way the pipeline writes it (ISO text times).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <set>
#include <string>

#include <date/date.h>

#include "calendar/trading_calendar.h"
#include "common/units.h"

namespace usdcop {

class MarketTable {
 public:
  explicit MarketTable(const std::string& path) {
    sqlite3_open(path.c_str(), &db_);
    Exec("PRAGMA journal_mode=WAL;");
    Exec(
        "CREATE TABLE usdcop_m5_ohlcv (time TEXT NOT NULL, symbol TEXT NOT NULL, open REAL, high "
        "REAL, low REAL,"
        " close REAL, volume REAL, source TEXT, created_at TEXT NOT NULL, updated_at TEXT);");
  }
  ~MarketTable() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  void Bar(SysTime t, double close = 4000, Duration latency = std::chrono::seconds(2)) {
    std::string time = date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
    std::string created = FormatTimestamp(t + std::chrono::minutes(5) + latency);
    Exec("INSERT INTO usdcop_m5_ohlcv VALUES ('" + time + "', 'USD/COP', " + std::to_string(close) +
         ", " + std::to_string(close + 1) + ", " + std::to_string(close - 1) + ", " +
         std::to_string(close) + ", 1, 'test', '" + created + "', NULL);");
  }
  void Bars(const TradingCalendar& cal, SysTime from, SysTime to, std::set<size_t> skip = {}) {
    Exec("BEGIN");
    auto bars = cal.Bars(from, to);
    for (size_t i = 0; i < bars.size(); ++i)
      if (!skip.count(i)) Bar(bars[i], 4000 + 0.5 * std::sin(static_cast<double>(i)));
    Exec("COMMIT");
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace usdcop
