// Golden exposition files, as node_exporter's e2e-output.txt: a fixed, representative result of
// each probe rendered by its RenderResult overload, and a whole MetricsRenderer (meta-metrics,
// build info, the calendar, the control API's figures, the HTTP ports, the process metrics),
// compared byte for byte with exporter/tests/fixtures/<name>.prom. Each file also holds to the
// metric contract (exporter/metrics-contract.yaml), and together they show every metric of it.
//
// After an intended change of the output, rewrite the files and review their diff:
//   USDCOP_UPDATE_GOLDEN=1 ctest --test-dir build -R Golden
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "support/fake_clock.h"
#include "metrics/render.h"
#include "support/render_text.h"
#include "support/contract.h"

namespace usdcop {
namespace {

// -- The results ------------------------------------------------------------------------------

// L0 current with every figure; L1 running, times unknown, no records source; L2 a status-file
// layer (dag_id "") whose source could not be read: only its counters and last success.
PipelineResult GoldenPipeline() {
  LayerResult l0;
  l0.layer = "L0";
  l0.dag_id = "usdcop_m5__01_l0_intelligent_acquire";
  l0.current = true;
  l0.status = LayerStatus::kCompleted;
  l0.last_run_start = 1795525500;
  l0.last_success = 1795525560.5;
  l0.last_duration = 60.5;
  l0.runs_success = 12;
  l0.runs_failed = 1;
  l0.records = 180;
  LayerResult l1;
  l1.layer = "L1";
  l1.dag_id = "usdcop_m5__02_l1_standardize";
  l1.current = true;
  l1.status = LayerStatus::kRunning;
  l1.last_run_start = 1795525570;
  l1.runs_success = 11;
  LayerResult l2;
  l2.layer = "L2";
  l2.current = false;
  l2.status = LayerStatus::kFailed;  // not current: not published
  l2.last_success = 1795520000;
  l2.runs_success = 4;
  l2.runs_failed = 2;
  l2.records = 0;
  PipelineResult r;
  r.layers = {l0, l1, l2};
  r.airflow = AirflowHealthResult{{{"metadatabase", true}, {"scheduler", true}, {"triggerer", false}}, 1795525599.25};
  return r;
}

// USD/COP with two windows (flaws in the session), freshness and counters; EUR/COP in a window
// where nothing is expected yet, no bar, its stored counters unknown.
MarketDataResult GoldenMarketData() {
  WindowStats session;
  session.window = "session";
  session.expected = 48;
  session.observed = 45;
  session.missing = 3;
  session.gaps = 2;
  session.largest_gap_seconds = 600;
  session.duplicates = 1;
  session.flaws = {{BarFlaw::kOhlcInconsistent, 1}, {BarFlaw::kPriceJump, 2}, {BarFlaw::kOffGrid, 1}};
  WindowStats week;
  week.window = "7d";
  week.expected = 300;
  week.observed = 300;
  SymbolResult usd;
  usd.symbol = "USD/COP";
  usd.windows = {session, week};
  usd.last_bar = 1795525500;
  usd.staleness = 300;
  usd.counters_known = true;
  usd.ingested_total = 1234;
  for (double latency : {0.5, 3.0, 3.5, 45.0, 7200.0}) usd.ingest_latency.Observe(latency);
  WindowStats empty;
  empty.window = "session";
  SymbolResult eur;
  eur.symbol = "EUR/COP";
  eur.windows = {empty};
  MarketDataResult r;
  r.symbols = {usd, eur};
  return r;
}

ReadySignalResult GoldenReadySignal() {
  ReadySignalResult r;
  r.present = true;
  r.timestamp = 1795525800;
  r.handover = HandoverResult{1795525500, 2, 600};
  return r;
}

// L0: listed, every figure, its newest set failing two checks; L1: listed, no complete set yet,
// its integrity not known; L2: its directory unreadable, verified before.
BackupsResult GoldenBackups() {
  BackupLayerResult l0;
  l0.layer = "L0";
  l0.max_age_seconds = 86400;
  l0.listed = true;
  l0.present = true;
  l0.newest_timestamp = 1795478400;
  l0.oldest_timestamp = 1794873600;
  l0.newest_size_bytes = 52428800;
  l0.newest_files = 7;
  l0.integrity_ok = false;
  l0.failures[static_cast<size_t>(IntegrityReason::kSizeMismatch)] = 1;
  l0.failures[static_cast<size_t>(IntegrityReason::kUnlisted)] = 2;
  l0.gaps = 1;
  l0.verified_bytes_total = 367001600;
  l0.last_verification = 1795480000.5;
  BackupLayerResult l1;
  l1.layer = "L1";
  l1.max_age_seconds = 604800;
  l1.listed = true;
  BackupLayerResult l2;
  l2.layer = "L2";
  l2.max_age_seconds = 86400;
  l2.verified_bytes_total = 1048576;
  l2.last_verification = 1795400000;
  BackupsResult r;
  r.layers = {l0, l1, l2};
  return r;
}

// Up, with every figure (a down probe leaves out those it did not reach).
WebSocketResult GoldenWebSocket() {
  WebSocketResult r;
  r.up = true;
  r.handshake_seconds = 0.0125;
  r.first_message_seconds = 0.75;
  r.connected_clients = 3;
  r.last_message_timestamp = 1795525800;
  r.messages_received_total = 42;
  return r;
}

// The active key with an expiry and both periods' usage; the backup key without an expiry,
// its day's limit unknown (0: no ratio).
VendorApiResult GoldenVendorApi() {
  VendorKeyResult primary;
  primary.key_id = "primary";
  primary.active = true;
  primary.created = 1768003200;
  primary.expiry = 1799539200;
  primary.usage = {{"minute", 5, 8}, {"day", 648, 800}};
  VendorKeyResult backup;
  backup.key_id = "backup";
  backup.created = 1770681600;
  backup.usage = {{"day", 12, 0}};
  VendorApiResult r;
  r.provider = "twelvedata";
  r.keys = {primary, backup};
  return r;
}

// Active and suppressed alerts of critical, a warning, an info alert that is silenced (its
// severity shows as 0) and one without a severity.
AlertmanagerResult GoldenAlertmanager() {
  auto alert = [](const char* name, const char* severity, const char* state) {
    AlertmanagerAlert a;
    a.fingerprint = std::string(name) + "-fp";
    a.alertname = name;
    a.severity = severity;
    a.state = state;
    a.starts_at = 1795525000;
    return a;
  };
  AlertmanagerResult r;
  r.alerts = {alert("L0DataStale", "critical", "active"), alert("PipelineLayerFailed", "critical", "suppressed"),
              alert("BackupTooOld", "warning", "active"), alert("VendorQuotaHigh", "info", "suppressed"),
              alert("Watchdog", "", "active")};
  r.receivers = std::vector<std::string>{"default"};
  return r;
}

// The whole renderer: the pipeline ran and had one overlap; the ready-signal probe timed out
// without a result; the WebSocket probe has not run yet. The market is open, the control API
// served requests and received notifications, both ports are up, the process figures are fixed.
std::string GoldenRenderer() {
  ResultBoard board;
  FakeClock clock(*ParseTimestamp("2026-11-24T13:00:00Z"));  // 08:00 in Bogota, a Tuesday: open
  MetricsRenderer renderer(board, {"0.1.0", "0123456789ab"}, clock);
  board.Configure({{"pipeline", std::chrono::seconds(10)},
                   {"ready_signal", std::chrono::milliseconds(2500)},
                   {"websocket", std::chrono::seconds(5)}});
  PipelineResult pipeline;
  LayerResult l0;
  l0.layer = "L0";
  l0.dag_id = "usdcop_m5__01_l0_intelligent_acquire";
  l0.current = true;
  l0.status = LayerStatus::kIdle;
  l0.runs_success = 3;
  pipeline.layers = {l0};
  board.Record("pipeline", Status::Ok(), 0.125, 1795525600, std::make_shared<const ProbeResult>(pipeline));
  board.CountSkipped("pipeline", Reason::kOverlap);
  board.Record("ready_signal", Status(Reason::kTimeout, "slow"), 2.5, 1795525601.5, nullptr);
  renderer.SetCalendar(*TradingCalendar::Create(CalendarConfig{}));

  ControlStats control;
  control.requests = {{{"/api/l0/health", "GET", 200}, 5}, {{"/api/l0/health", "POST", 401}, 1},
                      {{"other", "GET", 404}, 2}};
  control.notifications = {{{"L0DataStale", "critical", "firing"}, 2}, {{"L0DataStale", "critical", "resolved"}, 1},
                           {{"other", "other", "firing"}, 1}};
  control.resolution["critical"].Observe(420);
  control.acknowledgement["critical"].Observe(95);
  control.acknowledgement["info"].Observe(100000);
  renderer.SetControlSource([control] { return control; }, [] { return std::uint64_t{1}; });

  HttpServerStats metrics_port{"metrics", 3, {}};
  metrics_port.rejected[static_cast<size_t>(HttpReject::kCapacity)] = 1;
  metrics_port.rejected[static_cast<size_t>(HttpReject::kHeadTimeout)] = 4;
  HttpServerStats control_port{"control", 0, {}};
  renderer.SetHttpSource([=] { return std::vector<HttpServerStats>{metrics_port, control_port}; });
  ProcessStats process;
  process.cpu_seconds = 1.25;
  process.resident_memory_bytes = 20971520;
  process.virtual_memory_bytes = 157286400;
  process.start_time_seconds = 1795525000.5;
  process.open_fds = 17;
  process.max_fds = 1024;
  renderer.SetProcessSource([=] { return std::optional<ProcessStats>(process); }, std::chrono::seconds(1));
  return *renderer.Render();
}

struct Golden {
  const char* fixture;  // exporter/tests/fixtures/<fixture>.prom
  std::string (*render)();
};

void PrintTo(const Golden& g, std::ostream* os) { *os << g.fixture << ".prom"; }

const Golden kGoldens[] = {
    {"pipeline", [] { return RenderText(GoldenPipeline()); }},
    {"market_data", [] { return RenderText(GoldenMarketData()); }},
    {"ready_signal", [] { return RenderText(GoldenReadySignal()); }},
    {"backups", [] { return RenderText(GoldenBackups()); }},
    {"websocket", [] { return RenderText(GoldenWebSocket()); }},
    {"vendor_api", [] { return RenderText(GoldenVendorApi()); }},
    {"alertmanager", [] { return RenderText(GoldenAlertmanager()); }},
    {"renderer", GoldenRenderer},
};

// -- Comparing --------------------------------------------------------------------------------

std::string FixturePath(const std::string& fixture) { return std::string(USDCOP_GOLDEN_DIR) + "/" + fixture + ".prom"; }

bool Updating() {
  const char* update = std::getenv("USDCOP_UPDATE_GOLDEN");
  return update && std::string(update) == "1";
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (!text.empty() && text.back() != '\n') lines.back() += "  (no newline at the end)";
  return lines;
}

// The differing middle of the two texts, with two lines of context, as a unified diff's one hunk
// (at most 60 lines of it).
std::string Diff(const std::string& want, const std::string& got) {
  const std::vector<std::string> a = Lines(want), b = Lines(got);
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  const size_t from = head >= 2 ? head - 2 : 0;
  std::ostringstream out;
  out << "@@ -" << from + 1 << " +" << from + 1 << " @@ (first difference at line " << head + 1 << ")\n";
  std::vector<std::string> hunk;
  for (size_t i = from; i < head; ++i) hunk.push_back(" " + a[i]);
  for (size_t i = head; i < a.size() - tail; ++i) hunk.push_back("-" + a[i]);
  for (size_t i = head; i < b.size() - tail; ++i) hunk.push_back("+" + b[i]);
  for (size_t i = a.size() - tail; i < std::min(a.size(), a.size() - tail + 2); ++i) hunk.push_back(" " + a[i]);
  for (size_t i = 0; i < hunk.size() && i < 60; ++i) out << hunk[i] << "\n";
  if (hunk.size() > 60) out << "... " << hunk.size() - 60 << " more lines\n";
  return out.str();
}

std::string ReadFixture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void ExpectGolden(const Golden& g) {
  const std::string path = FixturePath(g.fixture);
  const std::string got = g.render();
  EXPECT_EQ(testing::CheckContract(got), "") << g.fixture;
  if (Updating()) {
    std::filesystem::create_directories(USDCOP_GOLDEN_DIR);
    std::ofstream(path, std::ios::binary) << got;
    std::cout << "rewrote " << path << "\n";
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << " is missing: USDCOP_UPDATE_GOLDEN=1 ctest --test-dir build -R Golden writes it";
  const std::string want = ReadFixture(path);
  if (want == got) return;
  ADD_FAILURE() << g.fixture << ".prom differs from the rendering (- the file, + now):\n"
                << Diff(want, got)
                << "An intended change: USDCOP_UPDATE_GOLDEN=1 ctest --test-dir build -R Golden, then review the diff.";
}

class RenderGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(RenderGolden, MatchesItsFixtureAndTheContract) { ExpectGolden(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixtures, RenderGolden, ::testing::ValuesIn(kGoldens),
                         [](const ::testing::TestParamInfo<Golden>& param_info) {
                           return std::string(param_info.param.fixture);
                         });

// Together the golden files show every metric of the contract: a contract entry the exporter
// no longer renders, or a renderer the files miss, shows here.
TEST(RenderGoldenSet, CoversEveryMetricOfTheContract) {
  std::set<std::string> shown;
  for (const Golden& g : kGoldens) {
    std::istringstream in(g.render());
    for (std::string line; std::getline(in, line);)
      if (line.rfind("# TYPE ", 0) == 0) shown.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  for (const testing::ContractMetric& m : testing::MetricContract::Repository().metrics())
    EXPECT_TRUE(shown.count(m.name)) << m.name << " is in no golden file";
}

// No stale file: each fixture is one of the goldens above.
TEST(RenderGoldenSet, TheFixtureDirectoryHoldsOnlyTheGoldenFiles) {
  if (Updating()) std::filesystem::create_directories(USDCOP_GOLDEN_DIR);
  std::set<std::string> known;
  for (const Golden& g : kGoldens) known.insert(std::string(g.fixture) + ".prom");
  for (const auto& entry : std::filesystem::directory_iterator(USDCOP_GOLDEN_DIR))
    EXPECT_TRUE(known.count(entry.path().filename().string())) << entry.path() << " belongs to no golden test";
}

}  // namespace
}  // namespace usdcop
