#include "market/flags.h"

#include "common/units.h"
#include "shared/password_file.h"

namespace usdcop::sim {
namespace {

Result<std::unique_ptr<MarketStore>> MakeStore(const MarketOptions& o) {
  if (!o.sqlite_path.empty()) return MakeSqliteStore(o.sqlite_path, o.table);
  std::string password;
  if (!o.password_file.empty()) {
    auto read = ReadPasswordFile("--market.password-file", o.password_file);
    if (!read.ok()) return read.error();
    password = std::move(read).value();
  }
  return MakePostgresStore(o.postgres_conninfo, password, o.table);
}

// usdcop: the USD/COP market (America/Bogota, Mon-Fri 08:00..12:55, Colombian holidays);
// always: bars around the clock, so that tests see live bars at any hour (UTC unless `timezone`
// says otherwise: tests pick a zone whose local midnight, the one pause, is hours away).
CalendarConfig CalendarFor(const MarketOptions& o, Duration bar_interval) {
  CalendarConfig config;
  config.bar_interval = bar_interval;
  if (o.calendar == "always") {
    config.timezone = "UTC";
    config.sessions = {CalendarConfig::Session{
        {0, 1, 2, 3, 4, 5, 6}, std::chrono::minutes(0), std::chrono::minutes(23 * 60 + 59)}};
    config.colombia_holidays = false;
  }
  if (!o.timezone.empty()) config.timezone = o.timezone;
  return config;
}

// Checks the flags that do not need a store. When several are wrong, the last of these checks
// is the one reported (as it always was).
Status CheckFlags(const MarketOptions& o) {
  bool sqlite = !o.sqlite_path.empty();
  bool postgres = !o.postgres_conninfo.empty();
  if (o.symbol.empty()) return BadInput("--market.symbol", "--market.symbol must not be empty");
  if (!IsValidTableName(o.table)) {
    return BadInput("--market.table", "--market.table: \"" + o.table +
                                          "\" is not an SQL identifier ([A-Za-z_][A-Za-z0-9_]*, "
                                          "optionally schema.table)");
  }
  if (sqlite && !o.password_file.empty()) {
    return BadInput("--market.password-file", "--market.password-file goes with --market.postgres");
  }
  if (!sqlite && !postgres && !o.ready_flag_file.empty()) {
    return BadInput("--ready.flag-file",
                    "--ready.flag-file needs --market.sqlite or "
                    "--market.postgres (it follows bar writes)");
  }
  if (sqlite && postgres) {
    return BadInput("--market.sqlite", "give --market.sqlite or --market.postgres, not both");
  }
  return Status::Ok();
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
  app.add_option("--market.timezone", o.timezone,
                 "the calendar's time zone instead of its own (an IANA name, e.g. Etc/GMT-7)");
  app.add_option("--market.bar-interval", o.bar_interval,
                 "bar length (shorter than 5m only to speed up tests)")
      ->capture_default_str();
  app.add_option("--ready.flag-file", o.ready_flag_file,
                 "L0 ready flag, rewritten after each bar write");
}

Result<std::unique_ptr<MarketWriter>> BuildMarketWriter(const MarketOptions& o) {
  if (Status checked = CheckFlags(o); !checked.ok()) return checked;
  if (o.sqlite_path.empty() && o.postgres_conninfo.empty()) return std::unique_ptr<MarketWriter>();
  auto latency = ParseDuration(o.latency);
  if (!latency) {
    return BadInput("--market.latency",
                    "--market.latency: expected a duration like 2s or 500ms, "
                    "got \"" +
                        o.latency + "\"");
  }
  auto interval = ParseDuration(o.bar_interval);
  if (!interval || *interval < std::chrono::seconds(1)) {
    return BadInput(
        "--market.bar-interval",
        "--market.bar-interval: expected a duration of 1s or more, got \"" + o.bar_interval + "\"");
  }
  // usdcop::Result, the exporter's: the calendar is the exporter's code.
  auto calendar = TradingCalendar::Create(CalendarFor(o, *interval));
  if (!calendar.ok()) {
    const char* flag = o.timezone.empty() ? "--market.calendar" : "--market.timezone";
    return BadInput(flag, std::string(flag) + ": trading calendar: " + calendar.status().message());
  }
  std::unique_ptr<ReadyFlag> ready;
  if (!o.ready_flag_file.empty()) {
    ready = std::make_unique<ReadyFlag>(o.ready_flag_file);
    if (Status created = ready->Init(); !created.ok()) return created;
  }
  auto store = MakeStore(o);
  if (!store.ok()) return store.error();
  MarketSettings settings{.symbol = o.symbol,
                          .table = o.table,
                          .backfill_days = o.backfill_days,
                          .latency = std::chrono::duration_cast<Micros>(*latency),
                          .seed = o.seed};
  return std::make_unique<MarketWriter>(std::move(store).value(), *calendar, std::move(settings),
                                        std::move(ready));
}

}  // namespace usdcop::sim
