// L0 bars from PostgreSQL (TimescaleDB in production) through libpqxx. Times are timestamptz
// columns, read as epoch seconds. The connection is kept between runs and made again after a
// failure; each query runs with a statement_timeout of 90-100 % of the run's remaining time (set
// again only when it leaves that band), and the connection attempt with connect_timeout. The
// password is added to the connection string here and appears in no message.
#pragma once

#include <pqxx/connection>

#include <memory>
#include <string>

#include "common/secret.h"
#include "sources/bar_source.h"

namespace usdcop {

class PostgresBarSource final : public BarSource {
 public:
  PostgresBarSource(std::string conninfo, Secret password, BarTableConfig table);
  ~PostgresBarSource() override;

  Result<NewerBars> BarsNewerThan(const std::string& symbol, double after,
                                  const Deadline& d) override;
  Result<std::vector<SignalRow>> ReadySignals(const std::string& table,
                                              const std::string& signal_type, int limit,
                                              const Deadline& d) override;

 private:
  Result<std::vector<BarRow>> Query(const std::string& symbol, const std::string& column,
                                    const char* op, double bound, const Deadline& d) override;
  // Runs body(txn) with statement_timeout set to the time left; database errors become a Status.
  template <typename T, typename F>
  Result<T> Exec(const Deadline& d, F&& body, bool signal_table = false);
  // " FROM table WHERE symbol = $1 AND column <op> to_timestamp($2)"
  std::string Where(const std::string& column, const char* op) const;
  Status Connect(const Deadline& d);

  const std::string conninfo_;
  const Secret password_;
  std::unique_ptr<pqxx::connection> conn_;
  long statement_timeout_ms_ = 0;  // the session's setting; 0 = not set on this connection
};

// libpq's quoting of a connection-string value: 'it''s' style, backslashes escaped.
std::string ConninfoValue(const std::string& value);

}  // namespace usdcop
