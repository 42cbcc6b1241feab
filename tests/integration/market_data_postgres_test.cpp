// The real usdcop_exporter reading the market table from a real PostgreSQL cluster.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>

#include <mutex>
#include <thread>

#include "support/postgres.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPassword = "planted-Pg-pw-51a7";

class MarketDataPostgresIT : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = std::make_unique<PostgresCluster>();
    pg_->CreateDatabase("usdcop_trading", "monitor", kPassword);
    Sql("CREATE TABLE usdcop_m5_ohlcv (time timestamptz NOT NULL, symbol text NOT NULL, open "
        "float8, high float8,"
        " low float8, close float8, volume float8, source text, created_at timestamptz NOT NULL "
        "DEFAULT now(),"
        " updated_at timestamptz)");
    Sql("CREATE INDEX ON usdcop_m5_ohlcv (symbol, created_at)");
    Sql("CREATE INDEX ON usdcop_m5_ohlcv (symbol, time)");
    Sql("GRANT SELECT ON usdcop_m5_ohlcv TO monitor");  // a read-only monitoring role
    stack_.WriteFile("pg_password", std::string(kPassword) + "\n");
  }
  void Sql(const std::string& sql) {
    CommandResult r = pg_->Sql(sql, "usdcop_trading");
    ASSERT_EQ(r.exit_code, 0) << sql << "\n" << r.output;
  }
  // 1-minute bars of the last `minutes` whole minutes, but `skip` minutes ago; `duplicate` twice.
  void WriteBars(int minutes, int skip, int duplicate) {
    const std::string series =
        "generate_series(date_trunc('minute', now()) - interval '" + std::to_string(minutes) +
        " min', date_trunc('minute', now()) - interval '1 min', interval '1 min') AS ts";
    Sql("INSERT INTO usdcop_m5_ohlcv (time, symbol, open, high, low, close, volume) SELECT ts, "
        "'USD/COP', 4000, 4001,"
        " 3999, 4000.5, 1 FROM " +
        series + " WHERE ts <> date_trunc('minute', now()) - interval '" + std::to_string(skip) +
        " min'");
    Sql("INSERT INTO usdcop_m5_ohlcv (time, symbol, open, high, low, close, volume) VALUES "
        "(date_trunc('minute', now())"
        " - interval '" +
        std::to_string(duplicate) + " min', 'USD/COP', 4000, 4001, 3999, 4000.5, 1)");
  }
  void Configure(const std::string& password_file, const std::string& extra_probes_yaml = "") {
    stack_.WriteConfig(
        "calendar:\n  sessions: [{days: [sun, mon, tue, wed, thu, fri, sat], open: \"00:00\", "
        "close: \"23:59\"}]\n"
        "  bar_interval: 1m\n  holidays: []\n"
        "probes:\n  market_data:\n    interval: 1s\n    timeout: 800ms\n"
        "    source: {postgres: \"host=127.0.0.1 port=" +
        std::to_string(pg_->port()) +
        " dbname=usdcop_trading user=monitor\", password_file: " + password_file +
        "}\n"
        "    windows: [session, 1h]\n    arrival_grace: 0s\n" +
        extra_probes_yaml);
  }
  std::unique_ptr<PostgresCluster> pg_;
  Stack stack_;
};

const std::string kHour = "{symbol=\"USD/COP\",window=\"1h\"}";

TEST_F(MarketDataPostgresIT, GapsDuplicatesAndNewRowsFromPostgres) {
  WriteBars(30, 10, 20);
  Configure("pg_password");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"market_data\"}", 1))
      << stack_.exporter().Log();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_l0_duplicate_bars" + kHour, 1));
  Series s = stack_.Scrape();
  EXPECT_EQ(s["usdcop_l0_bars_observed" + kHour], 29);
  EXPECT_GE(s["usdcop_l0_gaps" + kHour], 1);
  EXPECT_EQ(s["usdcop_l0_records_ingested_total{symbol=\"USD/COP\"}"], 0);  // the baseline
  // Backfill the missing bar: it is read incrementally, fills the gap, and counts as ingested.
  Sql("INSERT INTO usdcop_m5_ohlcv (time, symbol, open, high, low, close, volume) VALUES "
      "(date_trunc('minute', now())"
      " - interval '10 min', 'USD/COP', 4000, 4001, 3999, 4000.5, 1)");
  ASSERT_TRUE(stack_.WaitForAtLeast("usdcop_l0_records_ingested_total{symbol=\"USD/COP\"}", 1));
  EXPECT_GE(stack_.Scrape()["usdcop_l0_bars_observed" + kHour], 30);
  EXPECT_GE(stack_.Scrape()["usdcop_l0_ingest_latency_seconds_count{symbol=\"USD/COP\"}"], 1);
  // The cold read and the incremental reads run side by side on one connection, every run.
  Series after = stack_.Scrape();
  EXPECT_EQ(after["usdcop_probe_errors_total{probe=\"market_data\",reason=\"query\"}"], 0)
      << stack_.exporter().Log();
  EXPECT_EQ(after["usdcop_probe_errors_total{probe=\"market_data\",reason=\"connect\"}"], 0);
}

TEST_F(MarketDataPostgresIT, AWrongPasswordIsAConnectErrorAndNeverLogged) {
  stack_.WriteFile("wrong_password", "not-the-password-93c1\n");
  Configure("wrong_password");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForAtLeast(
      "usdcop_probe_errors_total{probe=\"market_data\",reason=\"connect\"}", 1));
  std::string log = stack_.exporter().Log();
  EXPECT_THAT(log, HasSubstr("password authentication failed for user"));
  EXPECT_THAT(log, HasSubstr("(check probes.market_data.source)"));
  EXPECT_THAT(log, Not(HasSubstr("not-the-password-93c1")));
  EXPECT_THAT(stack_.ScrapeText(), Not(HasSubstr("not-the-password-93c1")));
}

TEST_F(MarketDataPostgresIT, TheDatabaseGoingDownAndComingBack) {
  WriteBars(20, 5, 15);
  Configure("pg_password");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"market_data\"}", 1))
      << stack_.exporter().Log();
  pg_->Stop();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"market_data\"}", 0, 10s));
  EXPECT_GE(stack_.Scrape()["usdcop_probe_errors_total{probe=\"market_data\",reason=\"connect\"}"],
            1);
  pg_->Start();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"market_data\"}", 1, 15s))
      << stack_.exporter().Log();
  EXPECT_EQ(stack_.Scrape()["usdcop_l0_bars_observed" + kHour], 19);
}

TEST_F(MarketDataPostgresIT, MissingPrivilegesNameTheFix) {
  Sql("REVOKE SELECT ON usdcop_m5_ohlcv FROM monitor");
  Configure("pg_password");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForAtLeast(
      "usdcop_probe_errors_total{probe=\"market_data\",reason=\"query\"}", 1));
  EXPECT_THAT(stack_.exporter().Log(),
              HasSubstr("(GRANT SELECT ON the table TO the monitoring user)"));
}

TEST_F(MarketDataPostgresIT, AMissingColumnNamesTheFix) {
  Sql("ALTER TABLE usdcop_m5_ohlcv RENAME COLUMN created_at TO inserted_at");
  Configure("pg_password");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForAtLeast(
      "usdcop_probe_errors_total{probe=\"market_data\",reason=\"query\"}", 1));
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("(check probes.market_data.columns)"));
}

// A stand-in for the WebSocket service's status endpoint: a real HTTP server on loopback whose
// last published bar the test sets.
class StatusServer {
 public:
  StatusServer() {
    server_.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      res.set_content(R"({"status": "healthy", "last_published_bar": ")" + bar_ + "\"}",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~StatusServer() {
    server_.stop();
    thread_.join();
  }
  void Publish(const std::string& bar) {
    std::lock_guard<std::mutex> lock(mu_);
    bar_ = bar;
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/status"; }

 private:
  httplib::Server server_;
  std::mutex mu_;
  std::string bar_ = "2026-01-05T13:00:00Z";
  int port_ = 0;
  std::thread thread_;
};

TEST_F(MarketDataPostgresIT, HandoverCountsTheBarsTheWebSocketServiceHasNotPublished) {
  // Twelve 5-minute bars 13:00..13:55Z, the 13:40 bar twice.
  Sql("INSERT INTO usdcop_m5_ohlcv (time, symbol, open, high, low, close) SELECT ts, 'USD/COP', "
      "4000, 4001, 3999, 4000"
      " FROM generate_series(timestamptz '2026-01-05T13:00:00Z', timestamptz "
      "'2026-01-05T13:55:00Z', interval '5 min')"
      " AS ts");
  Sql("INSERT INTO usdcop_m5_ohlcv (time, symbol, open, high, low, close) VALUES "
      "('2026-01-05T13:40:00Z', 'USD/COP',"
      " 4000, 4001, 3999, 4000)");
  StatusServer ws;
  ws.Publish("2026-01-05T13:30:00Z");
  Configure("pg_password",
            "  ready_signal:\n    interval: 1s\n    timeout: 800ms\n    flag_file: l0_ready.flag\n"
            "    handover: {status_url: \"" +
                ws.Url() + "\"}\n");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_handover_pending_records", 5)) << stack_.exporter().Log();
  EXPECT_EQ(stack_.Scrape()["usdcop_handover_lag_seconds"], 25 * 60);
  EXPECT_EQ(stack_.Scrape()["usdcop_probe_success{probe=\"ready_signal\"}"], 1);
  ws.Publish("2026-01-05T13:55:00Z");
  ASSERT_TRUE(stack_.WaitForValue("usdcop_handover_pending_records", 0)) << stack_.exporter().Log();
  EXPECT_EQ(stack_.Scrape()["usdcop_handover_lag_seconds"], 0);
  // The database going away fails the run with its reason; the gauges go with it.
  pg_->Stop();
  ASSERT_TRUE(stack_.WaitForAtLeast(
      "usdcop_probe_errors_total{probe=\"ready_signal\",reason=\"connect\"}", 1, 10s));
  EXPECT_EQ(stack_.Scrape().count("usdcop_handover_pending_records"), 0u);
}

TEST_F(MarketDataPostgresIT, ReadySignalFromASignalTable) {
  Sql("CREATE TABLE l0_ready_signals (signal_id text, signal_type text, status text, "
      "pipeline_run_id text,"
      " created_at timestamptz, updated_at timestamptz, expires_at timestamptz)");
  Sql("INSERT INTO l0_ready_signals VALUES ('a', 'data_ready', 'ready', 'r1', "
      "'2026-01-05T13:00:00Z',"
      " '2026-01-05T13:05:02Z', NULL), ('b', 'data_ready', 'ready', 'r2', '2026-01-05T13:10:00Z', "
      "NULL,"
      " '2026-01-05T13:11:00Z'), ('c', 'data_ready', 'failed', 'r3', '2026-01-05T13:20:00Z', NULL, "
      "NULL)");
  Configure("pg_password",
            "  ready_signal:\n    interval: 1s\n    timeout: 800ms\n    signal_table: "
            "l0_ready_signals\n");
  stack_.StartExporter();
  // The signal table has no grant yet: the run fails naming the fix.
  ASSERT_TRUE(stack_.WaitForAtLeast(
      "usdcop_probe_errors_total{probe=\"ready_signal\",reason=\"query\"}", 1));
  EXPECT_THAT(stack_.exporter().Log(),
              HasSubstr("(GRANT SELECT ON the table TO the monitoring user)"));
  Sql("GRANT SELECT ON l0_ready_signals TO monitor");
  ASSERT_TRUE(stack_.WaitForValue("usdcop_ready_signal_present", 1)) << stack_.exporter().Log();
  // 'b' has expired: 'a' is the newest live signal, at its updated_at.
  EXPECT_EQ(stack_.Scrape()["usdcop_ready_signal_timestamp_seconds"], 1767618302);
}

}  // namespace
}  // namespace usdcop::testing
