// MetricsRenderer's logic: caching by generation, the calendar followed over time, removed
// probes. What the text says for each result, to the byte, is in each probe's
// golden file (probes/<name>/<name>_metrics_test.cpp); the whole renderer's golden file is here.
#include "metrics/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "support/contract.h"
#include "support/fake_clock.h"
#include "support/golden.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RenderTest : public ::testing::Test {
 protected:
  ResultBoard board_;
  SystemClock clock_;
  MetricsRenderer renderer_{board_, {"1.2.3", "abc123"}, clock_};
};

PipelineResult OneLayer(LayerStatus status) {
  LayerResult l;
  l.layer = "L0";
  l.dag_id = "dag0";
  l.current = true;
  l.status = status;
  l.last_run_start = 1795525500;
  l.last_success = 1795525560.5;
  l.runs_success = 3;
  l.runs_failed = 1;
  l.records = 180;
  PipelineResult r;
  r.layers.push_back(l);
  r.airflow = AirflowHealthResult{{{"scheduler", true}, {"metadatabase", false}}, 1795525599.0};
  return r;
}

TEST_F(RenderTest, ServesTheCachedTextUntilSomethingChanges) {
  board_.Configure({{"pipeline", std::chrono::seconds(10)}});
  auto first = renderer_.Render();
  EXPECT_EQ(renderer_.Render(), first);  // same object: no re-render
  renderer_.SetReloadSuccessful(false);
  auto second = renderer_.Render();
  EXPECT_NE(second, first);
  EXPECT_THAT(*second, HasSubstr("usdcop_config_last_reload_successful 0\n"));
  board_.Record("pipeline", Status::Ok(), 0.1, 1, nullptr);
  EXPECT_NE(renderer_.Render(), second);
}

TEST(RenderMarketOpen, FollowsTheCalendarAndTheClock) {
  ResultBoard board;
  FakeClock clock(*ParseTimestamp("2026-11-24T12:59:00Z"));  // 07:59 in Bogota, a Tuesday
  MetricsRenderer renderer(board, {"1", "r"}, clock);
  EXPECT_THAT(*renderer.Render(), Not(HasSubstr("usdcop_market_open")));  // no calendar yet
  renderer.SetCalendar(*TradingCalendar::Create(CalendarConfig{}));
  EXPECT_THAT(*renderer.Render(), HasSubstr("usdcop_market_open{market=\"usdcop\"} 0\n"));
  clock.Set(*ParseTimestamp(
      "2026-11-24T13:00:00Z"));  // the first bar opens: no probe ran, still re-rendered
  EXPECT_THAT(*renderer.Render(), HasSubstr("usdcop_market_open{market=\"usdcop\"} 1\n"));
}

TEST_F(RenderTest, ARemovedProbeLeavesNoSeries) {
  board_.Configure({{"pipeline", std::chrono::seconds(10)}});
  board_.Record("pipeline", Status::Ok(), 0.1, 1795525600,
                std::make_shared<const ProbeResult>(OneLayer(LayerStatus::kCompleted)));
  EXPECT_THAT(*renderer_.Render(), HasSubstr("usdcop_pipeline_status"));
  board_.Configure({});
  std::string text = *renderer_.Render();
  EXPECT_THAT(text, Not(HasSubstr("pipeline")));
  EXPECT_THAT(text, HasSubstr("usdcop_build_info"));
}

// -- The golden files: fixtures/renderer.prom, and the set of all of them (support/golden.h)
// -------

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
  l0.runs_failed = 0;
  pipeline.layers = {l0};
  board.Record("pipeline", Status::Ok(), 0.125, 1795525600,
               std::make_shared<const ProbeResult>(pipeline));
  board.CountSkipped("pipeline", Reason::kOverlap);
  board.Record("ready_signal", Status(Reason::kTimeout, "slow"), 2.5, 1795525601.5, nullptr);
  renderer.SetCalendar(*TradingCalendar::Create(CalendarConfig{}));

  ControlStats control;
  control.requests = {{{"/api/l0/health", "GET", 200}, 5},
                      {{"/api/l0/health", "POST", 401}, 1},
                      {{"other", "GET", 404}, 2}};
  control.notifications = {{{"L0DataStale", "critical", "firing"}, 2},
                           {{"L0DataStale", "critical", "resolved"}, 1},
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
  renderer.SetProcessSource([=] { return std::optional<ProcessStats>(process); },
                            std::chrono::seconds(1));
  return *renderer.Render();
}

const Golden kRendererGolden{"renderer", GoldenRenderer};
[[maybe_unused]] const bool kRendererGoldenRegistered = RegisterGolden(kRendererGolden);

TEST(RenderGolden, TheWholeRendererMatchesItsGoldenFileAndTheContract) {
  ExpectGolden(kRendererGolden);
}

// Together the golden files show every metric of the contract: a contract entry the exporter
// no longer renders, or a renderer the files miss, shows here.
TEST(RenderGoldenSet, CoversEveryMetricOfTheContract) {
  std::set<std::string> shown;
  for (const Golden& g : Goldens()) {
    std::istringstream in(g.render());
    for (std::string line; std::getline(in, line);)
      if (line.rfind("# TYPE ", 0) == 0) shown.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  for (const testing::ContractMetric& m : testing::MetricContract::Repository().metrics())
    EXPECT_TRUE(shown.count(m.name)) << m.name << " is in no golden file";
}

// No stale file: each fixture is one of the goldens above.
TEST(RenderGoldenSet, TheFixtureDirectoryHoldsOnlyTheGoldenFiles) {
  if (UpdatingGoldenFiles()) std::filesystem::create_directories(USDCOP_GOLDEN_DIR);
  std::set<std::string> known;
  for (const Golden& g : Goldens()) known.insert(std::string(g.fixture) + ".prom");
  for (const auto& entry : std::filesystem::directory_iterator(USDCOP_GOLDEN_DIR))
    EXPECT_TRUE(known.count(entry.path().filename().string()))
        << entry.path() << " belongs to no golden test";
}

}  // namespace
}  // namespace usdcop
