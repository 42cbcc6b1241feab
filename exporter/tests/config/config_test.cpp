#include "app/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace usdcop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("usdcop_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "airflow_password") << "s3cret-value\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ConfigLoad Load(const std::string& yaml) {
    std::string path = (dir_ / "config.yml").string();
    std::ofstream(path) << yaml;
    return LoadConfigFile(path);
  }
  std::string Path(const char* name) { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

constexpr const char* kValid = R"(storage:
  path: state/usdcop.db
probes:
  pipeline:
    interval: 15s
    timeout: 10s
    airflow:
      url: http://127.0.0.1:8080/
      username: admin
      password_file: airflow_password
    layers:
      - {layer: L0, dag_id: usdcop_m5__01_l0_intelligent_acquire, expected_every: 5m,
         records_xcom: {task_id: report, key: records}}
      - {layer: L5, status_file: /data/status/l5.json}
)";

TEST_F(ConfigTest, LoadsAValidFileWithDefaultsAndResolvedPaths) {
  ConfigLoad load = Load(kValid);
  ASSERT_TRUE(load.config) << ::testing::PrintToString(load.errors);
  const Config& c = *load.config;
  EXPECT_EQ(c.storage_path, Path("state/usdcop.db"));
  ASSERT_TRUE(c.probes.Get<PipelineKind>());
  EXPECT_EQ(c.probes.Get<PipelineKind>()->interval, std::chrono::seconds(15));
  EXPECT_EQ(c.probes.Get<PipelineKind>()->runs_per_request, 25);
  ASSERT_TRUE(c.probes.Get<PipelineKind>()->airflow);
  EXPECT_EQ(c.probes.Get<PipelineKind>()->airflow->url, "http://127.0.0.1:8080");  // trailing slash dropped
  EXPECT_EQ(c.probes.Get<PipelineKind>()->airflow->password.reveal(), "s3cret-value");  // newline dropped
  ASSERT_EQ(c.probes.Get<PipelineKind>()->layers.size(), 2u);
  EXPECT_EQ(c.probes.Get<PipelineKind>()->layers[0].expected_every, std::chrono::minutes(5));
  ASSERT_TRUE(c.probes.Get<PipelineKind>()->layers[0].records_xcom);
  EXPECT_EQ(c.probes.Get<PipelineKind>()->layers[0].records_xcom->key, "records");
  EXPECT_EQ(c.probes.Get<PipelineKind>()->layers[1].status_file, "/data/status/l5.json");
}

TEST_F(ConfigTest, ABadDurationNamesFileLineColumnFieldAndWhatToUse) {
  ConfigLoad load = Load(R"(probes:
  pipeline:
    interval: 5x
    layers: []
)");
  EXPECT_FALSE(load.config);
  EXPECT_THAT(load.errors, ElementsAre(Path("config.yml") +
                                       ":3:15: probes.pipeline.interval: \"5x\" is not a duration (use 30s, 5m)"));
}

TEST_F(ConfigTest, UnknownKeysAreErrorsWithTheirPlace) {
  ConfigLoad load = Load("probes:\n  pipeline:\n    layers: []\n    intervall: 5s\nstorge: {}\n");
  EXPECT_FALSE(load.config);
  ASSERT_EQ(load.errors.size(), 2u);
  EXPECT_THAT(load.errors[0],
              HasSubstr("config.yml:5:1: storge: unknown key (allowed here: storage, calendar, probes, control)"));
  EXPECT_THAT(load.errors[1], HasSubstr("config.yml:4:5: probes.pipeline.intervall: unknown key"));
}

TEST_F(ConfigTest, ReportsEveryProblemNotJustTheFirst) {
  ConfigLoad load = Load(R"(probes:
  pipeline:
    interval: 10s
    timeout: 10s
    runs_per_request: 500
    layers:
      - {layer: L0, dag_id: "bad id!"}
      - {layer: L0, status_file: /x.json}
      - {layer: L2}
)");
  EXPECT_FALSE(load.config);
  std::string all = ::testing::PrintToString(load.errors);
  EXPECT_THAT(all, HasSubstr("probes.pipeline.timeout: 10s must be shorter than interval 10s"));
  EXPECT_THAT(all, HasSubstr("probes.pipeline.runs_per_request: \\\"500\\\" is not a whole number from 1 to 100"));
  EXPECT_THAT(all, HasSubstr("probes.pipeline.layers[0].dag_id: \\\"bad id!\\\" is not an Airflow DAG id"));
  EXPECT_THAT(all, HasSubstr("probes.pipeline.layers[1].layer: layer \\\"L0\\\" is listed twice"));
  EXPECT_THAT(all, HasSubstr("probes.pipeline.layers[2]: give exactly one of dag_id or status_file"));
  EXPECT_THAT(all, HasSubstr("probes.pipeline.airflow: is required: a layer names a dag_id"));
  EXPECT_EQ(load.errors.size(), 6u) << all;
}

TEST_F(ConfigTest, InlineSecretsAreRefusedAndNeverEchoed) {
  ConfigLoad load = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, username: admin, password: hunter2-inline}
    layers: [{layer: L0, dag_id: d}]
)");
  EXPECT_FALSE(load.config);
  std::string all = ::testing::PrintToString(load.errors);
  EXPECT_THAT(all, HasSubstr("probes.pipeline.airflow.password: secrets are not written in the config: use "
                             "password_file or password_env"));
  EXPECT_THAT(all, ::testing::Not(HasSubstr("hunter2")));
}

TEST_F(ConfigTest, SecretFromEnvironmentAndMissingSources) {
  ::setenv("USDCOP_TEST_AIRFLOW_PW", "from-env", 1);
  ConfigLoad ok = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, username: admin, password_env: USDCOP_TEST_AIRFLOW_PW}
    layers: [{layer: L0, dag_id: d}]
)");
  ASSERT_TRUE(ok.config) << ::testing::PrintToString(ok.errors);
  EXPECT_EQ(ok.config->probes.Get<PipelineKind>()->airflow->password.reveal(), "from-env");
  ConfigLoad bad = Load(R"(probes:
  pipeline:
    airflow: {url: ftp://a, username: admin, password_env: USDCOP_TEST_UNSET_VAR, password_file: nope}
    layers: [{layer: L0, dag_id: d}]
)");
  std::string all = ::testing::PrintToString(bad.errors);
  EXPECT_THAT(all, HasSubstr("url: \\\"ftp://a\\\" is not an http:// or https:// URL"));
  EXPECT_THAT(all, HasSubstr("give either password_file or password_env, not both"));
}

TEST_F(ConfigTest, UnreadableSecretFileNamesTheFile) {
  ConfigLoad load = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, username: admin, password_file: /nonexistent/pw}
    layers: [{layer: L0, dag_id: d}]
)");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_THAT(load.errors[0], HasSubstr(":3:67: probes.pipeline.airflow.password_file: cannot read "
                                        "/nonexistent/pw: No such file or directory"));
}

TEST_F(ConfigTest, ASecretFileMustBeASmallRegularFile) {
  ASSERT_EQ(::mkfifo(Path("fifo").c_str(), 0600), 0);
  std::filesystem::create_directories(Path("dir"));
  std::ofstream(Path("big")) << std::string(65 << 10, 'k');
  const auto error_for = [&](const std::string& file) {
    ConfigLoad load = Load("probes:\n  pipeline:\n    airflow: {url: http://a:8080, username: admin, password_file: " +
                           file + "}\n    layers: [{layer: L0, dag_id: d}]\n");
    return load.errors.size() == 1 ? load.errors[0] : ::testing::PrintToString(load.errors);
  };
  const std::string field = ":3:67: probes.pipeline.airflow.password_file: cannot read ";
  const std::string hint = "; point password_file at a regular file of at most 64 KiB";
  EXPECT_THAT(error_for(Path("fifo")), HasSubstr(field + Path("fifo") + ": not a regular file (a FIFO)" + hint));
  EXPECT_THAT(error_for("/dev/zero"), HasSubstr(field + "/dev/zero: not a regular file (a character device)" + hint));
  EXPECT_THAT(error_for(Path("dir")), HasSubstr(field + Path("dir") + ": not a regular file (a directory)" + hint));
  EXPECT_THAT(error_for(Path("big")), HasSubstr(field + Path("big") + ": larger than 64 KiB" + hint));

  std::filesystem::create_symlink(Path("airflow_password"), Path("linked_password"));
  ConfigLoad linked = Load("probes:\n  pipeline:\n    airflow: {url: http://a:8080, username: admin, password_file: " +
                           Path("linked_password") + "}\n    layers: [{layer: L0, dag_id: d}]\n");
  ASSERT_TRUE(linked.config) << ::testing::PrintToString(linked.errors);
  EXPECT_EQ(linked.config->probes.Get<PipelineKind>()->airflow->password.reveal(), "s3cret-value");
}

TEST_F(ConfigTest, ApiV2TakesATokenOrCredentials) {
  std::ofstream(dir_ / "token") << "tok";
  ConfigLoad load = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, api: v2, token_file: token}
    layers: [{layer: L0, dag_id: d}]
)");
  ASSERT_TRUE(load.config) << ::testing::PrintToString(load.errors);
  EXPECT_EQ(load.config->probes.Get<PipelineKind>()->airflow->api, AirflowConfig::Api::kV2);
  ConfigLoad bad = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, api: v3}
    layers: [{layer: L0, dag_id: d}]
)");
  EXPECT_THAT(::testing::PrintToString(bad.errors), HasSubstr("api: \\\"v3\\\" is not one of v1, v2"));
}

TEST_F(ConfigTest, InvalidYamlAndMissingFile) {
  ConfigLoad load = Load("probes: [unclosed\n");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_THAT(load.errors[0], HasSubstr("config.yml:2:1: not valid YAML"));
  ConfigLoad missing = LoadConfigFile(Path("nope.yml"));
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_THAT(missing.errors[0], HasSubstr("nope.yml: No such file or directory (the config file: give its path with "
                                           "--config.file)"));
}

TEST_F(ConfigTest, CalendarDefaultsAreTheUsdCopMarket) {
  ConfigLoad load = Load("");
  ASSERT_TRUE(load.config);
  const CalendarConfig& c = load.config->calendar;
  EXPECT_EQ(c.timezone, "America/Bogota");
  EXPECT_EQ(c.bar_interval, std::chrono::minutes(5));
  ASSERT_EQ(c.sessions.size(), 1u);
  EXPECT_EQ(c.sessions[0].open, std::chrono::minutes(8 * 60));
  EXPECT_EQ(c.sessions[0].close, std::chrono::minutes(12 * 60 + 55));
  EXPECT_TRUE(c.colombia_holidays);
  EXPECT_FALSE(c.united_states_holidays);
}

TEST_F(ConfigTest, CalendarSectionIsParsedAndChecked) {
  ConfigLoad ok = Load(R"(calendar:
  timezone: America/Bogota
  sessions: [{days: [mon, tue, wed, thu, fri], open: "08:00", close: "14:00"}]
  bar_interval: 5m
  holidays: [colombia, united_states]
  extra_closed_days: [2026-12-24]
)");
  ASSERT_TRUE(ok.config) << ::testing::PrintToString(ok.errors);
  EXPECT_TRUE(ok.config->calendar.united_states_holidays);
  EXPECT_EQ(ok.config->calendar.extra_closed_days, std::vector<std::string>{"2026-12-24"});

  ConfigLoad bad = Load(R"(calendar:
  timezone: Mars/Olympus
  sessions: [{days: [mon, funday], open: "8am", close: "12:55"}, {days: [sat], open: "09:00", close: "09:07"}]
  holidays: [atlantis]
  extra_open_days: [tomorrow]
)");
  std::string all;
  for (const std::string& e : bad.errors) all += e + "\n";
  EXPECT_THAT(all, HasSubstr("config.yml:2:13: calendar.timezone: \"Mars/Olympus\" is not a time zone"));
  EXPECT_THAT(all, HasSubstr("calendar.sessions[0].days[1]: \"funday\" is not a weekday"));
  EXPECT_THAT(all, HasSubstr("calendar.sessions[0].open: \"8am\" is not a local time HH:MM"));
  EXPECT_THAT(all, HasSubstr("calendar.sessions[1].close: open and close must be a whole number of bar intervals (5m) apart"));
  EXPECT_THAT(all, HasSubstr("calendar.holidays[0]: \"atlantis\" is not colombia or united_states"));
  EXPECT_THAT(all, HasSubstr("calendar.extra_open_days[0]: \"tomorrow\" is not a date YYYY-MM-DD"));
  EXPECT_EQ(bad.errors.size(), 6u) << all;
}

TEST_F(ConfigTest, MarketDataSectionDefaultsAndChecks) {
  ConfigLoad ok = Load("probes:\n  market_data:\n    source: {sqlite: market.db}\n");
  ASSERT_TRUE(ok.config) << ::testing::PrintToString(ok.errors);
  const MarketDataProbeConfig& m = *ok.config->probes.Get<MarketDataKind>();
  EXPECT_EQ(m.sqlite_path, Path("market.db"));
  EXPECT_EQ(m.table.table, "usdcop_m5_ohlcv");
  EXPECT_EQ(m.table.ingested_at, "created_at");
  ASSERT_EQ(m.windows.size(), 3u);
  EXPECT_EQ(m.windows[1].span, std::chrono::hours(24 * 7));
  EXPECT_EQ(m.symbols, std::vector<std::string>{"USD/COP"});

  ConfigLoad price_only = Load("probes:\n  market_data:\n    source: {sqlite: m.db}\n    columns: {time: ts, price: price}\n");
  ASSERT_TRUE(price_only.config) << ::testing::PrintToString(price_only.errors);
  EXPECT_EQ(price_only.config->probes.Get<MarketDataKind>()->table.close, "");
  EXPECT_EQ(price_only.config->probes.Get<MarketDataKind>()->table.ingested_at, "");

  ConfigLoad bad = Load(R"(probes:
  market_data:
    table: "bars; DROP TABLE x"
    columns: {open: o, close: c}
    windows: [session, fortnight, session]
    price_jump_k: -1
)");
  std::string all;
  for (const std::string& e : bad.errors) all += e + "\n";
  EXPECT_THAT(all, HasSubstr(":3:5: probes.market_data.source: is required: {sqlite: /path/to/market.db} or {postgres:"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.table: \"bars; DROP TABLE x\" is not a SQL identifier"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.columns: give open, high, low and close together"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.windows[1]: \"fortnight\" is not session or a duration"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.windows[2]: window \"session\" is listed twice"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.price_jump_k: \"-1\" is not a number above 0"));
}

TEST_F(ConfigTest, HandoverReadsTheMarketDataTableAndTheServiceStatus) {
  ConfigLoad ok = Load(R"(probes:
  market_data:
    source: {sqlite: market.db}
    symbols: [EUR/USD, USD/COP]
  ready_signal:
    flag_file: l0_ready.flag
    handover: {status_url: "http://127.0.0.1:8080/status"}
)");
  ASSERT_TRUE(ok.config) << ::testing::PrintToString(ok.errors);
  const HandoverConfig& h = *ok.config->probes.Get<ReadySignalKind>()->handover;
  EXPECT_EQ(h.status_url, "http://127.0.0.1:8080/status");
  EXPECT_EQ(h.last_bar_field, "/last_published_bar");
  EXPECT_EQ(h.symbol, "EUR/USD");  // the first of the market-data symbols

  ConfigLoad alone = Load(R"(probes:
  ready_signal:
    flag_file: l0_ready.flag
    handover: {status_url: "http://127.0.0.1:8080/status", last_bar_field: "last_bar", symbol: USD/COP}
)");
  std::string all;
  for (const std::string& e : alone.errors) all += e + "\n";
  EXPECT_THAT(all, HasSubstr("probes.ready_signal.handover: reads the L0 bars through probes.market_data's source"));
  EXPECT_THAT(all, HasSubstr("probes.ready_signal.handover.last_bar_field: \"last_bar\" is not a JSON pointer"));

  ConfigLoad bad_url = Load(R"(probes:
  market_data: {source: {sqlite: market.db}, symbols: []}
  ready_signal:
    flag_file: l0_ready.flag
    handover: {status_url: "http://ops:hunter2@127.0.0.1:8080/status"}
)");
  all.clear();
  for (const std::string& e : bad_url.errors) all += e + "\n";
  EXPECT_THAT(all, HasSubstr(":5:28: probes.ready_signal.handover.status_url: has credentials in it"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.symbols: is empty"));
  EXPECT_THAT(all, ::testing::Not(HasSubstr("hunter2")));
}

TEST_F(ConfigTest, ReadySignalTakesExactlyOneSource) {
  ConfigLoad table = Load(R"(probes:
  market_data: {source: {sqlite: market.db}}
  ready_signal: {signal_table: ops.l0_ready_signals, signal_type: websocket_ready}
)");
  ASSERT_TRUE(table.config) << ::testing::PrintToString(table.errors);
  EXPECT_EQ(table.config->probes.Get<ReadySignalKind>()->signal_table, "ops.l0_ready_signals");
  EXPECT_EQ(table.config->probes.Get<ReadySignalKind>()->signal_type, "websocket_ready");

  ConfigLoad bad = Load(R"(probes:
  ready_signal: {flag_file: l0.flag, signal_table: "x; DROP TABLE y", signal_type: data_ready}
)");
  std::string all;
  for (const std::string& e : bad.errors) all += e + "\n";
  EXPECT_THAT(all, HasSubstr("probes.ready_signal.signal_table: \"x; DROP TABLE y\" is not a SQL identifier"));
  EXPECT_THAT(all, HasSubstr("give exactly one of flag_file"));
  EXPECT_THAT(all, HasSubstr("probes.ready_signal.signal_type: goes with signal_dir or signal_table"));

  ConfigLoad alone = Load("probes:\n  ready_signal: {signal_table: l0_ready_signals}\n");
  ASSERT_FALSE(alone.config);
  EXPECT_THAT(alone.errors.at(0), HasSubstr("probes.ready_signal.signal_table: is read from probes.market_data's database"));
}

TEST_F(ConfigTest, AnEmptyFileIsAValidConfigWithNoProbes) {
  ConfigLoad load = Load("");
  ASSERT_TRUE(load.config);
  EXPECT_FALSE(load.config->probes.Get<PipelineKind>());
}

}  // namespace
}  // namespace usdcop
