#include "market/flags.h"

#include <fstream>
#include <iterator>

#include "common/units.h"

namespace usdcop::sim {
namespace {

// The file's content without trailing newlines; nullopt when unreadable or empty.
std::optional<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return std::nullopt;
  return text;
}

std::unique_ptr<MarketStore> MakeStore(const MarketOptions& o, std::string* error) {
  if (!o.sqlite_path.empty()) return MakeSqliteStore(o.sqlite_path, o.table);
  std::string password;
  if (!o.password_file.empty()) {
    auto text = ReadSecretFile(o.password_file);
    if (!text) {
      *error = "--market.password-file: no password in " + o.password_file;
      return nullptr;
    }
    password = *text;
  }
  return MakePostgresStore(o.postgres_conninfo, password, o.table);
}

// Checks the flags that do not need a store; false with *error.
// usdcop: the USD/COP market (America/Bogota, Mon-Fri 08:00..12:55, Colombian holidays);
// always: bars around the clock, so that tests see live bars at any hour.
CalendarConfig CalendarFor(const std::string& name, Duration bar_interval) {
  CalendarConfig config;
  config.bar_interval = bar_interval;
  if (name != "always") return config;
  config.timezone = "UTC";
  config.sessions = {CalendarConfig::Session{
      {0, 1, 2, 3, 4, 5, 6}, std::chrono::minutes(0), std::chrono::minutes(23 * 60 + 59)}};
  config.colombia_holidays = false;
  return config;
}

bool CheckFlags(const MarketOptions& o, std::string* error) {
  bool sqlite = !o.sqlite_path.empty();
  bool postgres = !o.postgres_conninfo.empty();
  if (sqlite && postgres) *error = "give --market.sqlite or --market.postgres, not both";
  if (!sqlite && !postgres && !o.ready_flag_file.empty()) {
    *error = "--ready.flag-file needs --market.sqlite or --market.postgres (it follows bar writes)";
  }
  if (sqlite && !o.password_file.empty())
    *error = "--market.password-file goes with --market.postgres";
  if (!IsValidTableName(o.table)) {
    *error = "--market.table: \"" + o.table +
             "\" is not an SQL identifier ([A-Za-z_][A-Za-z0-9_]*, "
             "optionally schema.table)";
  }
  if (o.symbol.empty()) *error = "--market.symbol must not be empty";
  return error->empty();
}

}  // namespace

void AddMarketFlags(CLI::App& app, MarketOptions& o) {
  app.add_option("--market.sqlite", o.sqlite_path, "write market data to this SQLite file");
  app.add_option("--market.postgres", o.postgres_conninfo,
                 "write market data to PostgreSQL (libpq conninfo, key=value form)");
  app.add_option("--market.password-file", o.password_file,
                 "file holding the PostgreSQL password (added to the conninfo, never logged)");
  app.add_option("--market.table", o.table, "table of 5-minute bars")->capture_default_str();
  app.add_option("--market.symbol", o.symbol, "symbol of the bars")->capture_default_str();
  app.add_option("--market.backfill-days", o.backfill_days,
                 "at start, write the calendar's bars of the last N days")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxBackfillDays));
  app.add_option("--market.latency", o.latency, "a bar opening at t is written at t + 5m + latency")
      ->capture_default_str();
  app.add_option("--market.seed", o.seed, "seed of the price walk")->capture_default_str();
  app.add_option("--market.calendar", o.calendar,
                 "usdcop (Mon-Fri 08:00..12:55 America/Bogota, Colombian holidays) or always "
                 "(every day 00:00..23:59 UTC)")
      ->capture_default_str()
      ->check(CLI::IsMember({"usdcop", "always"}));
  app.add_option("--market.bar-interval", o.bar_interval,
                 "bar length (shorter than 5m only to speed up tests)")
      ->capture_default_str();
  app.add_option("--ready.flag-file", o.ready_flag_file,
                 "L0 ready flag, rewritten after each bar write");
}

std::unique_ptr<MarketWriter> BuildMarketWriter(const MarketOptions& o, std::string* error) {
  error->clear();
  if (!CheckFlags(o, error)) return nullptr;
  if (o.sqlite_path.empty() && o.postgres_conninfo.empty()) return nullptr;
  auto latency = ParseDuration(o.latency);
  if (!latency) {
    *error = "--market.latency: expected a duration like 2s or 500ms, got \"" + o.latency + "\"";
    return nullptr;
  }
  auto interval = ParseDuration(o.bar_interval);
  if (!interval || *interval < std::chrono::seconds(1)) {
    *error =
        "--market.bar-interval: expected a duration of 1s or more, got \"" + o.bar_interval + "\"";
    return nullptr;
  }
  auto calendar = TradingCalendar::Create(CalendarFor(o.calendar, *interval));
  if (!calendar.ok()) {
    *error = "trading calendar: " + calendar.status().message();
    return nullptr;
  }
  std::unique_ptr<ReadyFlag> ready;
  if (!o.ready_flag_file.empty()) {
    ready = std::make_unique<ReadyFlag>(o.ready_flag_file);
    if (!ready->Init(error)) return nullptr;
  }
  auto store = MakeStore(o, error);
  if (!store) return nullptr;
  MarketSettings settings{.symbol = o.symbol,
                          .table = o.table,
                          .backfill_days = o.backfill_days,
                          .latency = std::chrono::duration_cast<Micros>(*latency),
                          .seed = o.seed};
  return std::make_unique<MarketWriter>(std::move(store), *calendar, std::move(settings),
                                        std::move(ready));
}

}  // namespace usdcop::sim
