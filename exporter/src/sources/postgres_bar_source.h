// L0 bars from PostgreSQL (TimescaleDB in production) through libpqxx. Times are timestamptz
// columns, read as epoch seconds. The connection is kept between runs and made again after a
// failure; each query runs with a statement_timeout of 90-100 % of the run's remaining time (set
// again only when it leaves that band). Both are bounded by the run's deadline on our side too:
// the connection attempt is libpq's non-blocking one, polled against the deadline (libpq's own
// connect_timeout is whole seconds and at least 2), and a query whose server stops answering
// (a hung host, a partition: statement_timeout is the server's) has its socket shut down by a
// watchdog at the deadline. The password is added to the connection string here and appears in
// no message.
#pragma once

#include <pqxx/connection>

#include <memory>
#include <string>

#include "common/secret.h"
#include "common/socket_watchdog.h"
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
  std::unique_ptr<pqxx::connection_base> conn_;
  SocketWatchdog watchdog_;        // armed around each query
  long statement_timeout_ms_ = 0;  // the session's setting; 0 = not set on this connection
};

// libpq's quoting of a connection-string value: 'it''s' style, backslashes escaped.
std::string ConninfoValue(const std::string& value);

}  // namespace usdcop
