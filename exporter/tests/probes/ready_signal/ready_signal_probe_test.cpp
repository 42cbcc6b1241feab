#include "probes/ready_signal/ready_signal_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sources/sqlite_bar_source.h"
#include "support/fake_clock.h"
#include "support/fake_http.h"
#include "support/market_table.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;

TEST(ParseFlagFile, ReadsReadyAndTheOptionalTimestamp) {
  FlagFile flag;
  ASSERT_TRUE(ParseFlagFile(nlohmann::json::parse(R"({"ready": true, "timestamp": 1795525500})"),
                            "l0.flag", flag)
                  .ok());
  EXPECT_TRUE(flag.ready);
  EXPECT_EQ(flag.timestamp, 1795525500);
  FlagFile untimed;
  ASSERT_TRUE(ParseFlagFile(nlohmann::json::parse(R"({"ready": false})"), "l0.flag", untimed).ok());
  EXPECT_FALSE(untimed.ready);
  EXPECT_FALSE(untimed.timestamp);
}

TEST(ParseFlagFile, SaysWhatIsWrongKeepingWhatCameBefore) {
  FlagFile none;
  Status no_ready = ParseFlagFile(nlohmann::json::parse(R"({"ready": "yes"})"), "l0.flag", none);
  EXPECT_EQ(no_ready.reason(), Reason::kParse);
  EXPECT_EQ(no_ready.message(), "l0.flag: no boolean \"ready\"");
  FlagFile flag;
  Status bad_time = ParseFlagFile(nlohmann::json::parse(R"({"ready": true, "timestamp": "soon"})"),
                                  "l0.flag", flag);
  EXPECT_EQ(bad_time.reason(), Reason::kParse);
  EXPECT_EQ(bad_time.message(), "l0.flag: \"timestamp\" is not an RFC 3339 time");
  EXPECT_TRUE(flag.ready);
}

TEST(ParseSignalFile, ReadsItsFieldsAndLeavesOutWhatIsAbsent) {
  const SignalFile s = ParseSignalFile(nlohmann::json::parse(
      R"({"signal_type": "data_ready", "status": "ready", "updated_at": "2026-11-24T14:55:00Z",
          "expires_at": 1795539600})"));
  EXPECT_EQ(s.signal_type, "data_ready");
  EXPECT_EQ(s.status, "ready");
  EXPECT_EQ(s.updated_at, ToUnixSeconds(*ParseTimestamp("2026-11-24T14:55:00Z")));
  EXPECT_FALSE(s.created_at);
  EXPECT_EQ(s.expires_at, 1795539600);
  // Fields of another type are left empty; json::value threw for them (found by the fuzz target
  // status_files, fuzz/regressions/status_files/).
  const SignalFile odd = ParseSignalFile(nlohmann::json::parse(
      R"({"signal_type": 5, "status": ["ready"], "updated_at": {"t": 1}, "created_at": null})"));
  EXPECT_EQ(odd.signal_type, "");
  EXPECT_EQ(odd.status, "");
  EXPECT_FALSE(odd.updated_at);
  EXPECT_FALSE(odd.created_at);
}

class ReadySignalTest : public ::testing::Test {
 protected:
  ProbeOutcome Run(const ReadySignalProbeConfig& c) {
    std::unique_ptr<BarSource> bars;
    if (c.handover || !c.signal_table.empty())
      bars = std::make_unique<SqliteBarSource>(dir_.File("market.db"), BarTableConfig{});
    ReadySignalProbe probe(c, http_, std::move(bars));
    return probe.Run(ProbeContext{Deadline::After(5s), clock_, log_});
  }
  static const ReadySignalResult& R(const ProbeOutcome& o) {
    return std::get<ReadySignalResult>(o.result);
  }
  void Write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir_.File(name)).parent_path());
    std::ofstream(dir_.File(name)) << text;
  }
  TempDir dir_;
  FakeHttp http_;
  FakeClock clock_{*ParseTimestamp("2026-11-24T15:00:00Z")};
  Logger log_{LogLevel::kError};
};

TEST_F(ReadySignalTest, FlagFile) {
  ReadySignalProbeConfig c;
  c.flag_file = dir_.File("l0_ready.flag");
  ProbeOutcome out = Run(c);  // no file: no signal, not an error
  ASSERT_TRUE(out.status.ok());
  EXPECT_FALSE(R(out).present);
  EXPECT_FALSE(R(out).timestamp);

  Write("l0_ready.flag", R"({"ready": true, "timestamp": "2026-11-24T14:55:02Z"})");
  out = Run(c);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(R(out).present);
  EXPECT_DOUBLE_EQ(*R(out).timestamp, ToUnixSeconds(*ParseTimestamp("2026-11-24T14:55:02Z")));

  Write("l0_ready.flag", R"({"ready": false})");  // no timestamp: the file's mtime
  out = Run(c);
  EXPECT_FALSE(R(out).present);
  EXPECT_GT(*R(out).timestamp, 1.7e9);

  Write("l0_ready.flag", "ready!");
  out = Run(c);
  EXPECT_EQ(out.status.reason(), Reason::kParse);
  EXPECT_THAT(out.status.message(), ::testing::HasSubstr("l0_ready.flag: not a JSON object"));
}

TEST_F(ReadySignalTest, SignalDirectoryTakesTheNewestLiveSignalOfItsType) {
  ReadySignalProbeConfig c;
  c.signal_dir = dir_.File("signals");
  Write("signals/completed/a.json",
        R"({"signal_id": "a", "signal_type": "data_ready", "status": "completed",
    "updated_at": "2026-11-24T14:50:00Z"})");
  Write("signals/active/b.json",
        R"({"signal_id": "b", "signal_type": "data_ready", "status": "ready",
    "updated_at": "2026-11-24T14:55:00Z", "expires_at": "2026-11-24T16:00:00Z"})");
  Write("signals/active/c.json",
        R"({"signal_id": "c", "signal_type": "data_ready", "status": "ready",
    "updated_at": "2026-11-24T14:59:00Z", "expires_at": "2026-11-24T14:59:30Z"})");  // expired
  Write("signals/active/d.json",
        R"({"signal_id": "d", "signal_type": "websocket_ready", "status": "ready",
    "updated_at": "2026-11-24T14:59:50Z"})");  // another type
  Write("signals/failed/e.json",
        R"({"signal_id": "e", "signal_type": "data_ready", "status": "failed",
    "updated_at": "2026-11-24T14:59:55Z"})");
  ProbeOutcome out = Run(c);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(R(out).present);
  EXPECT_DOUBLE_EQ(*R(out).timestamp, ToUnixSeconds(*ParseTimestamp("2026-11-24T14:55:00Z")));

  Write("signals/active/broken.json", "{");
  out = Run(c);
  EXPECT_EQ(out.status.reason(), Reason::kParse);  // reported...
  EXPECT_TRUE(R(out).present);                     // ...without hiding the good signals
}

TEST_F(ReadySignalTest, SignalTableTakesTheNewestLiveSignalOfItsType) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("market.db").c_str(), &db), SQLITE_OK);
  auto exec = [db](const char* sql) {
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  };
  exec(
      "CREATE TABLE l0_ready_signals (signal_id TEXT, signal_type TEXT, status TEXT, "
      "pipeline_run_id TEXT,"
      " created_at TEXT, updated_at TEXT, expires_at TEXT)");
  ReadySignalProbeConfig c;
  c.signal_table = "l0_ready_signals";
  ProbeOutcome out = Run(c);  // an empty table: no signal, not an error
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_FALSE(R(out).present);

  exec(
      "INSERT INTO l0_ready_signals VALUES"
      " ('a', 'data_ready', 'completed', 'r1', '2026-11-24T14:40:00Z', '2026-11-24T14:50:00Z', "
      "NULL),"
      " ('b', 'data_ready', 'ready', 'r2', '2026-11-24T14:54:00Z', '2026-11-24T14:55:00Z', "
      "'2026-11-24T16:00:00Z'),"
      " ('c', 'data_ready', 'ready', 'r3', '2026-11-24T14:58:00Z', '2026-11-24T14:59:00Z', "
      "'2026-11-24T14:59:30Z'),"
      " ('d', 'websocket_ready', 'ready', 'r4', '2026-11-24T14:59:50Z', NULL, NULL),"
      " ('e', 'data_ready', 'failed', 'r5', '2026-11-24T14:59:55Z', '2026-11-24T14:59:55Z', NULL),"
      " ('f', 'data_ready', 'pending', 'r6', '2026-11-24T14:59:56Z', NULL, NULL)");
  sqlite3_close(db);
  out = Run(c);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(R(out).present);
  EXPECT_DOUBLE_EQ(*R(out).timestamp,
                   ToUnixSeconds(*ParseTimestamp("2026-11-24T14:55:00Z")));  // b: c expired

  c.signal_table = "no_such_table";
  out = Run(c);
  EXPECT_EQ(out.status.reason(), Reason::kQuery);
  EXPECT_THAT(out.status.message(),
              ::testing::HasSubstr("(check probes.ready_signal.signal_table)"));
}

class HandoverTest : public ReadySignalTest {
 protected:
  static constexpr const char* kUrl = "http://127.0.0.1:8080/status";
  ReadySignalProbeConfig Config(const std::string& field = "/last_published_bar") {
    ReadySignalProbeConfig c;
    c.flag_file = dir_.File("l0_ready.flag");
    c.handover = HandoverConfig{kUrl, field, "USD/COP"};
    return c;
  }
  void Published(const std::string& json_value) {
    http_.Answer(kUrl, 200,
                 R"({"status": "healthy", "websocket_connections": {"active_connections": 3},
      "last_published_bar": )" +
                     json_value + "}");
  }
};

TEST_F(HandoverTest, PendingBarsAreTheDistinctL0BarsNewerThanThePublishedOne) {
  MarketTable table(dir_.File("market.db"));
  for (const char* t : {"2026-11-24T14:40:00Z", "2026-11-24T14:45:00Z", "2026-11-24T14:50:00Z",
                        "2026-11-24T14:55:00Z"})
    table.Bar(*ParseTimestamp(t));
  table.Bar(*ParseTimestamp("2026-11-24T14:55:00Z"));  // a duplicate row is one bar
  Write("l0_ready.flag", R"({"ready": true, "timestamp": "2026-11-24T14:55:02Z"})");

  Published(R"("2026-11-24T14:45:00Z")");
  ProbeOutcome out = Run(Config());
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_TRUE(R(out).handover);
  EXPECT_EQ(R(out).handover->pending_bars, 2);
  EXPECT_DOUBLE_EQ(R(out).handover->lag_seconds, 600);
  EXPECT_TRUE(R(out).present);
  EXPECT_EQ(http_.requests.at(0).url, kUrl);

  Published(R"("2026-11-24T14:55:00Z")");  // caught up
  out = Run(Config());
  EXPECT_EQ(R(out).handover->pending_bars, 0);
  EXPECT_DOUBLE_EQ(R(out).handover->lag_seconds, 0);

  // Unix seconds, one second before the last bar: that bar is still pending.
  Published(std::to_string(ToUnixSeconds(*ParseTimestamp("2026-11-24T14:54:59Z"))));
  out = Run(Config());
  EXPECT_EQ(R(out).handover->pending_bars, 1);
  EXPECT_DOUBLE_EQ(R(out).handover->lag_seconds, 1);

  // The service is ahead of the table (another symbol's bar, a clock skew): nothing pending.
  Published(R"("2026-11-24T15:30:00Z")");
  out = Run(Config());
  EXPECT_EQ(R(out).handover->pending_bars, 0);
  EXPECT_DOUBLE_EQ(R(out).handover->lag_seconds, 0);
}

TEST_F(HandoverTest, UnixSecondTimeColumnsAndACustomField) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("market.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(
          db,
          "CREATE TABLE usdcop_m5_ohlcv (time INTEGER, symbol TEXT, open REAL, high REAL, low REAL,"
          " close REAL, created_at INTEGER);"
          "INSERT INTO usdcop_m5_ohlcv VALUES (1795532400, 'USD/COP', 1, 1, 1, 1, 1795532702),"
          " (1795532700, 'USD/COP', 1, 1, 1, 1, 1795533002),"
          " (1795533000, 'USD/COP', 1, 1, 1, 1, 1795533302),"
          " (1795533000, 'EUR/USD', 1, 1, 1, 1, 1795533302);",
          nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  http_.Answer(kUrl, 200, R"({"market": {"last_bar": 1795532400}})");
  ProbeOutcome out = Run(Config("/market/last_bar"));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(R(out).handover->pending_bars, 2);
  EXPECT_DOUBLE_EQ(R(out).handover->lag_seconds, 600);
}

TEST_F(HandoverTest, AFailingSideFailsTheRunAndKeepsTheReadySignal) {
  MarketTable table(dir_.File("market.db"));
  table.Bar(*ParseTimestamp("2026-11-24T14:55:00Z"));
  Write("l0_ready.flag", R"({"ready": true, "timestamp": "2026-11-24T14:55:02Z"})");

  http_.Answer(kUrl, 503, "down");
  ProbeOutcome out = Run(Config());
  EXPECT_EQ(out.status.reason(), Reason::kHttpStatus);
  EXPECT_THAT(out.status.message(),
              ::testing::HasSubstr("WebSocket status /status answered HTTP 503"));
  EXPECT_TRUE(R(out).present);
  EXPECT_FALSE(R(out).handover);

  Published("null");  // nothing published yet
  out = Run(Config());
  EXPECT_EQ(out.status.reason(), Reason::kParse);
  EXPECT_THAT(out.status.message(),
              ::testing::HasSubstr("no published bar at /last_published_bar"));

  Published(R"("yesterday")");
  out = Run(Config());
  EXPECT_EQ(out.status.reason(), Reason::kParse);
  EXPECT_THAT(out.status.message(), ::testing::HasSubstr("is not an RFC 3339 time"));

  http_.Answer(kUrl, 200, "<html>");
  out = Run(Config());
  EXPECT_EQ(out.status.reason(), Reason::kParse);

  http_.On(kUrl, [](const HttpRequest&) {
    return Result<HttpResponse>(Status(Reason::kConnect, "GET /status: refused"));
  });
  out = Run(Config());
  EXPECT_EQ(out.status.reason(), Reason::kConnect);

  Published(R"("2026-11-24T14:50:00Z")");
  std::filesystem::remove(dir_.File("market.db"));
  std::filesystem::create_directories(dir_.File("market.db"));  // not a database
  out = Run(Config());
  EXPECT_FALSE(out.status.ok());
  EXPECT_THAT(out.status.message(), ::testing::HasSubstr("handover: sqlite"));
  EXPECT_FALSE(R(out).handover);
  EXPECT_TRUE(R(out).present);
}

}  // namespace
}  // namespace usdcop
