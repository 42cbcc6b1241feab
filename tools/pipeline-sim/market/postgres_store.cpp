// MarketStore on PostgreSQL (libpqxx 6): bound parameters only, multi-row INSERTs of up to 512
// rows, and a reconnect with backoff (1 s doubling to 5 s) when the server goes away. The
// password is added to the conninfo at connect time and scrubbed from every error message.
#include <charconv>
#include <chrono>
#include <pqxx/pqxx>

#include "market/store.h"
#include "shared/log.h"

namespace usdcop::sim {
namespace {

using Steady = std::chrono::steady_clock;

constexpr size_t kMaxBatch = 512;  // rows per INSERT; 10 parameters each
constexpr size_t kColumns = 10;
constexpr auto kFirstBackoff = std::chrono::seconds(1);
constexpr auto kMaxBackoff = std::chrono::seconds(5);
constexpr const char* kColumnList =
    "(time, symbol, open, high, low, close, volume, source, created_at, updated_at)";
constexpr const char* kCasts[kColumns] = {"timestamptz", "text",       "float8", "float8",
                                          "float8",      "float8",     "float8", "text",
                                          "timestamptz", "timestamptz"};

using Param = std::optional<std::string>;

std::string BatchName(size_t rows) { return "usdcop_sim_insert_" + std::to_string(rows); }

std::string BatchSql(const std::string& table, size_t rows) {
  std::string sql = "INSERT INTO " + table + " " + kColumnList + " VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < kColumns; ++c) {
      sql += (c == 0 ? "$" : ", $") + std::to_string(r * kColumns + c + 1) + "::" + kCasts[c];
    }
    sql += ")";
  }
  return sql;
}

Param Number(const std::optional<double>& v) {
  if (!v) return std::nullopt;
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), *v);
  return std::string(buffer, result.ptr);
}

void AppendParams(const BarRow& row, std::vector<Param>& out) {
  out.push_back(FormatMicrosZ(row.time));
  out.push_back(row.symbol);
  for (const auto* v : {&row.open, &row.high, &row.low, &row.close, &row.volume}) {
    out.push_back(Number(*v));
  }
  out.push_back(row.source);
  out.push_back(FormatMicrosZ(row.created_at));
  out.push_back(row.updated_at ? Param(FormatMicrosZ(*row.updated_at)) : std::nullopt);
}

// libpq's conninfo quoting: single quotes, backslash before ' and \.
std::string QuoteConninfoValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// The conninfo for logs: the value of a password key, if the flag had one, is hidden.
std::string RedactConninfo(std::string conninfo) {
  size_t key = conninfo.find("password");
  if (key == std::string::npos) return conninfo;
  size_t eq = conninfo.find('=', key);
  if (eq == std::string::npos) return conninfo;
  size_t start = conninfo.find_first_not_of(' ', eq + 1);
  if (start == std::string::npos) return conninfo;
  size_t end = start;
  if (conninfo[start] == '\'') {
    for (end = start + 1; end < conninfo.size() && conninfo[end] != '\''; ++end) {
      if (conninfo[end] == '\\') ++end;
    }
    ++end;
  } else {
    end = conninfo.find(' ', start);
  }
  return conninfo.replace(start, end == std::string::npos ? end : end - start, "<redacted>");
}

size_t BatchSize(size_t remaining) {
  size_t n = kMaxBatch;
  while (n > remaining) n /= 2;
  return n;
}

class PostgresStore : public MarketStore {
 public:
  PostgresStore(std::string conninfo, std::string password, std::string table)
      : conninfo_(std::move(conninfo)), password_(std::move(password)), table_(std::move(table)) {}

  std::string_view Kind() const override { return "postgres"; }
  std::string Where() const override { return RedactConninfo(conninfo_); }
  bool connected() const override { return conn_ != nullptr; }
  Status Open() override;
  Status Insert(const std::vector<BarRow>& rows) override;
  Result<std::set<Time>> TimesPresent(const std::string& symbol, Time from, Time to) override;

 private:
  std::string FullConninfo() const;
  std::string Scrub(std::string message) const;
  void Setup();
  // Records a failed call; drops the connection when it is gone.
  Error Failed(const std::exception& e);

  const std::string conninfo_;
  const std::string password_;
  const std::string table_;
  std::unique_ptr<pqxx::connection> conn_;
  Steady::time_point next_attempt_{};
  Steady::duration backoff_ = kFirstBackoff;
  std::string last_error_;
  bool ever_connected_ = false;
};

std::string PostgresStore::FullConninfo() const {
  std::string out = conninfo_;
  if (out.find("connect_timeout") == std::string::npos) out += " connect_timeout=5";
  if (!password_.empty()) out += " password=" + QuoteConninfoValue(password_);
  return out;
}

std::string PostgresStore::Scrub(std::string message) const {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (size_t at; !password_.empty() && (at = message.find(password_)) != std::string::npos;) {
    message.replace(at, password_.size(), "<redacted>");
  }
  for (char& c : message) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return message;
}

void PostgresStore::Setup() {
  pqxx::nontransaction txn(*conn_);
  txn.exec("SET client_min_messages TO warning");
  std::string bare = UnqualifiedTable(table_);
  if (bare != table_) {
    txn.exec("CREATE SCHEMA IF NOT EXISTS " + table_.substr(0, table_.size() - bare.size() - 1));
  }
  txn.exec("CREATE TABLE IF NOT EXISTS " + table_ +
           " (time timestamptz NOT NULL, symbol text NOT NULL, open double precision, "
           "high double precision, low double precision, close double precision, "
           "volume double precision, source text, created_at timestamptz NOT NULL DEFAULT now(), "
           "updated_at timestamptz)");
  txn.exec("CREATE INDEX IF NOT EXISTS " + bare + "_symbol_time_idx ON " + table_ +
           " (symbol, time)");
  txn.exec("CREATE INDEX IF NOT EXISTS " + bare + "_symbol_created_at_idx ON " + table_ +
           " (symbol, created_at)");
  for (size_t n = kMaxBatch; n >= 1; n /= 2) conn_->prepare(BatchName(n), BatchSql(table_, n));
  conn_->prepare("usdcop_sim_times",
                 "SELECT (extract(epoch FROM time) * 1000000)::bigint FROM " + table_ +
                     " WHERE symbol = $1 AND time >= $2::timestamptz AND time < $3::timestamptz");
}

Status PostgresStore::Open() {
  if (conn_ != nullptr && conn_->is_open()) return Status::Ok();
  conn_.reset();
  if (Steady::now() < next_attempt_) {
    return DatabaseError("postgres: not connected, waiting to reconnect (" + last_error_ + ")");
  }
  try {
    conn_ = std::make_unique<pqxx::connection>(FullConninfo());
    Setup();
  } catch (const std::exception& e) {  // libpqxx reports by exceptions: turned into a value here
    conn_.reset();
    last_error_ = Scrub(e.what());
    Error error = DatabaseError("postgres: cannot connect: " + last_error_);
    next_attempt_ = Steady::now() + backoff_;
    Log(error.message + "; next attempt in " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(backoff_).count()) + " s");
    backoff_ = std::min<Steady::duration>(backoff_ * 2, kMaxBackoff);
    return error;
  }
  Log(std::string("postgres: ") + (ever_connected_ ? "reconnected to " : "connected to ") +
      Where());
  ever_connected_ = true;
  backoff_ = kFirstBackoff;
  return Status::Ok();
}

Error PostgresStore::Failed(const std::exception& e) {
  std::string message = Scrub(e.what());
  bool lost = dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr || conn_ == nullptr ||
              !conn_->is_open();
  bool missing = dynamic_cast<const pqxx::undefined_table*>(&e) != nullptr;
  if (lost) Log("postgres: connection lost (" + message + "); reconnecting");
  if (missing) Log("postgres: the table is gone (" + message + "); creating it again");
  if (lost || missing) {  // the next call connects (again) and creates the table
    last_error_ = message;
    conn_.reset();
    next_attempt_ = Steady::time_point{};  // the first reconnect is immediate, then backoff
  }
  return DatabaseError("postgres: " + message);
}

Status PostgresStore::Insert(const std::vector<BarRow>& rows) {
  if (Status s = Open(); !s.ok()) return s;
  try {
    pqxx::work txn(*conn_);
    std::vector<Param> params;
    for (size_t i = 0; i < rows.size();) {
      size_t n = BatchSize(rows.size() - i);
      params.clear();
      for (size_t k = i; k < i + n; ++k) AppendParams(rows[k], params);
      txn.exec_prepared(BatchName(n), pqxx::prepare::make_dynamic_params(params));
      i += n;
    }
    txn.commit();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed(e);
  }
}

Result<std::set<Time>> PostgresStore::TimesPresent(const std::string& symbol, Time from, Time to) {
  if (Status s = Open(); !s.ok()) return s;
  try {
    pqxx::work txn(*conn_);
    pqxx::result r =
        txn.exec_prepared("usdcop_sim_times", symbol, FormatMicrosZ(from), FormatMicrosZ(to));
    std::set<Time> times;
    for (const auto& row : r) times.insert(Time(Micros(row[0].as<int64_t>())));
    txn.commit();
    return times;
  } catch (const std::exception& e) {
    return Failed(e);
  }
}

}  // namespace

std::unique_ptr<MarketStore> MakePostgresStore(std::string conninfo, std::string password,
                                               std::string table) {
  return std::make_unique<PostgresStore>(std::move(conninfo), std::move(password),
                                         std::move(table));
}

}  // namespace usdcop::sim
