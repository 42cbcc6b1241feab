#include "sources/postgres_bar_source.h"

#include <libpq-fe.h>
#include <poll.h>

#include <pqxx/pqxx>

#include <cmath>
#include <new>

namespace usdcop {
namespace {

Status FromSqlError(const pqxx::sql_error& e, bool signal_table) {
  const std::string state = e.sqlstate();
  std::string first_line = e.what();
  first_line = first_line.substr(0, first_line.find('\n'));
  if (state == "57014")
    return Status(Reason::kTimeout,
                  "postgres: the query ran past the deadline (statement_timeout)");
  std::string hint;
  auto says = [&](const char* code, const char* text) {
    return state == code || first_line.find(text) != std::string::npos;
  };
  if (says("42P01", "does not exist") && first_line.find("relation") != std::string::npos)
    hint = signal_table ? kSignalTableHint : kTableHint;
  if (says("42703", "column")) hint = signal_table ? kSignalColumnsHint : kColumnsHint;
  if (says("42501", "permission denied"))
    hint = " (GRANT SELECT ON the table TO the monitoring user)";
  return Status(Reason::kQuery, "postgres: " + first_line + hint);
}

// libpqxx 6's connection policies are given the connection string only: the deadline of the
// connection attempt under way on this thread reaches BoundedConnect through this.
thread_local const Deadline* t_connect_deadline = nullptr;

// libpqxx's policy connect_direct blocks in PQconnectdb, bounded only by connect_timeout (whole
// seconds, at least 2). This one polls libpq's non-blocking attempt against the deadline, as
// libpq's documentation of PQconnectPoll says. Failures throw what connect_direct throws.
class BoundedConnect : public pqxx::connectionpolicy {
 public:
  explicit BoundedConnect(const std::string& opts) : pqxx::connectionpolicy(opts) {}

  handle do_startconnect(handle orig) override {
    if (orig) return orig;
    const Deadline* d = t_connect_deadline;
    if (d == nullptr) return normalconnect(orig);  // outside a run (none today): connect_timeout
    PGconn* c = PQconnectStart(options().c_str());
    if (c == nullptr) throw std::bad_alloc();
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;
    while (status != PGRES_POLLING_OK) {
      if (status == PGRES_POLLING_FAILED || PQstatus(c) == CONNECTION_BAD)
        Fail(c, PQerrorMessage(c));
      pollfd p{PQsocket(c), static_cast<short>(status == PGRES_POLLING_READING ? POLLIN : POLLOUT),
               0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(d->Remaining());
      if (left.count() <= 0 || d->Cancelled()) Fail(c, "timeout expired (the run's deadline)");
      // At most 100 ms at a time, so that a shutdown's cancel is seen.
      const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
      if (ready < 0 && errno != EINTR) Fail(c, "poll failed");
      if (ready <= 0) continue;
      status = PQconnectPoll(c);
    }
    return c;
  }

 private:
  [[noreturn]] static void Fail(PGconn* c, const std::string& why) {
    PQfinish(c);
    throw pqxx::broken_connection(why);
  }
};
using BoundedConnection = pqxx::basic_connection_base<BoundedConnect>;

// Sets t_connect_deadline for a scope: libpqxx may connect again inside a query (reactivation).
class ConnectDeadline {
 public:
  explicit ConnectDeadline(const Deadline& d) : previous_(t_connect_deadline) {
    t_connect_deadline = &d;
  }
  ~ConnectDeadline() { t_connect_deadline = previous_; }
  ConnectDeadline(const ConnectDeadline&) = delete;
  ConnectDeadline& operator=(const ConnectDeadline&) = delete;

 private:
  const Deadline* previous_;
};

std::optional<double> Number(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<double>();
}

}  // namespace

std::string ConninfoValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

PostgresBarSource::PostgresBarSource(std::string conninfo, Secret password, BarTableConfig table)
    : BarSource(std::move(table)), conninfo_(std::move(conninfo)), password_(std::move(password)) {}

PostgresBarSource::~PostgresBarSource() = default;

Status PostgresBarSource::Connect(const Deadline& d) {
  if (conn_ && conn_->is_open()) return Status::Ok();
  conn_.reset();
  long seconds = std::max<long>(2, static_cast<long>(std::ceil(d.Remaining().count() / 1000.0)));
  std::string conninfo = conninfo_ + " connect_timeout=" + std::to_string(seconds) +
                         " application_name=usdcop_exporter";
  if (!password_.empty()) conninfo += " password=" + ConninfoValue(password_.reveal());
  try {
    ConnectDeadline bound(d);
    conn_ = std::make_unique<BoundedConnection>(conninfo);
    statement_timeout_ms_ = 0;
    return Status::Ok();
  } catch (const std::exception& e) {
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));
    Reason reason =
        msg.find("timeout expired") != std::string::npos ? Reason::kTimeout : Reason::kConnect;
    return Status(reason,
                  "postgres: cannot connect: " + msg + " (check probes.market_data.source)");
  }
}

template <typename T, typename F>
Result<T> PostgresBarSource::Exec(const Deadline& d, F&& body, bool signal_table) {
  Status s = Connect(d);
  if (!s.ok()) return s;
  const long budget_ms = std::max<long>(1, static_cast<long>(d.Remaining().count()));
  ConnectDeadline bound(d);
  // The server's statement_timeout (below) cannot end a wait on a server that stopped answering.
  struct Disarmer {
    SocketWatchdog& w;
    ~Disarmer() { w.Disarm(); }
  } disarm{watchdog_};
  watchdog_.Arm(conn_->sock(), d.Remaining());
  auto timed_out = [&] {
    conn_.reset();
    return Status(Reason::kTimeout,
                  "postgres: no answer before the deadline; the connection was closed");
  };
  try {
    // One statement, so no transaction block. The session's statement_timeout is set again
    // only when it would outlast the time left or is far below it: it stays within 90-100 % of
    // the budget, and most queries need one round trip instead of two.
    pqxx::nontransaction txn(*conn_);
    if (statement_timeout_ms_ == 0 || statement_timeout_ms_ > budget_ms ||
        statement_timeout_ms_ < budget_ms * 9 / 10) {
      const long timeout_ms = std::max<long>(1, budget_ms * 19 / 20);
      txn.exec0("SET statement_timeout = " + std::to_string(timeout_ms));
      statement_timeout_ms_ = timeout_ms;
    }
    Result<T> out = body(txn);
    if (!watchdog_.Disarm()) return out;
    // Fired as the answer came: the connection is shut; closed below, once txn is gone.
  } catch (const pqxx::sql_error& e) {
    if (watchdog_.Disarm()) return timed_out();
    return FromSqlError(e, signal_table);
  } catch (const pqxx::broken_connection& e) {
    if (watchdog_.Disarm()) return timed_out();
    conn_.reset();
    std::string msg = e.what();
    return Status(Reason::kConnect, "postgres: connection lost: " + msg.substr(0, msg.find('\n')));
  } catch (const std::exception& e) {
    if (watchdog_.Disarm()) return timed_out();
    conn_.reset();
    return Status(Reason::kQuery, std::string("postgres: ") + e.what());
  }
  return timed_out();
}

std::string PostgresBarSource::Where(const std::string& column, const char* op) const {
  return " FROM " + QuoteIdentifier(table_.table) + " WHERE " + QuoteIdentifier(table_.symbol) +
         " = $1 AND " + QuoteIdentifier(column) + " " + op + " to_timestamp($2)";
}

Result<std::vector<BarRow>> PostgresBarSource::Query(const std::string& symbol,
                                                     const std::string& column, const char* op,
                                                     double bound, const Deadline& d) {
  auto epoch = [](const std::string& c) {
    return c.empty() ? std::string("NULL::float8")
                     : "extract(epoch from " + QuoteIdentifier(c) + ")::float8";
  };
  auto value = [](const std::string& c) {
    return c.empty() ? std::string("NULL::float8") : QuoteIdentifier(c) + "::float8";
  };
  const std::string& close = table_.close.empty() ? table_.price : table_.close;
  const std::string sql = "SELECT " + epoch(table_.time) + ", " + value(table_.open) + ", " +
                          value(table_.high) + ", " + value(table_.low) + ", " + value(close) +
                          ", " + epoch(table_.ingested_at) + Where(column, op) + " ORDER BY " +
                          QuoteIdentifier(column);
  return Exec<std::vector<BarRow>>(d, [&](pqxx::nontransaction& txn) {
    // One statement per kind of read; libpqxx re-prepares the same name and text as a no-op.
    const std::string statement =
        std::string("bars_") + (column == table_.time ? "by_time" : "by_mark");
    conn_->prepare(statement, sql);
    pqxx::result r = txn.exec_prepared(statement, symbol, std::to_string(bound));
    const bool has_ohlc = !table_.open.empty() && !table_.high.empty() && !table_.low.empty();
    std::vector<BarRow> rows;
    rows.reserve(r.size());
    for (const auto& row : r) {
      if (row[0].is_null()) continue;
      BarRow b{row[0].as<double>(), has_ohlc,       Number(row[1]), Number(row[2]),
               Number(row[3]),      Number(row[4]), Number(row[5]), 0};
      b.mark = table_.ingested_at.empty() ? b.time : b.ingested_at.value_or(b.time);
      rows.push_back(b);
    }
    return rows;
  });
}

Result<NewerBars> PostgresBarSource::BarsNewerThan(const std::string& symbol, double after,
                                                   const Deadline& d) {
  const std::string time = QuoteIdentifier(table_.time);
  const std::string sql = "SELECT COUNT(DISTINCT " + time + "), extract(epoch from MAX(" + time +
                          "))::float8" + Where(table_.time, ">");
  return Exec<NewerBars>(d, [&](pqxx::nontransaction& txn) {
    conn_->prepare("bars_newer_than", sql);
    pqxx::row row = txn.exec_prepared1("bars_newer_than", symbol, std::to_string(after));
    NewerBars out;
    out.bars = row[0].as<int64_t>();
    out.newest = Number(row[1]);
    return out;
  });
}

Result<std::vector<SignalRow>> PostgresBarSource::ReadySignals(const std::string& table,
                                                               const std::string& signal_type,
                                                               int limit, const Deadline& d) {
  auto epoch = [](const char* c) { return std::string("extract(epoch from ") + c + ")::float8"; };
  const std::string sql = "SELECT status, " + epoch("created_at") + ", " + epoch("updated_at") +
                          ", " + epoch("expires_at") + " FROM " + QuoteIdentifier(table) +
                          " WHERE signal_type = $1 AND status IN ('ready', 'completed') ORDER BY "
                          "created_at DESC LIMIT $2";
  return Exec<std::vector<SignalRow>>(
      d,
      [&](pqxx::nontransaction& txn) {
        conn_->prepare("ready_signals", sql);
        pqxx::result r = txn.exec_prepared("ready_signals", signal_type, limit);
        std::vector<SignalRow> rows;
        for (const auto& row : r)
          rows.push_back(SignalRow{row[0].is_null() ? "" : row[0].as<std::string>(), Number(row[1]),
                                   Number(row[2]), Number(row[3])});
        return rows;
      },
      true);
}

}  // namespace usdcop
