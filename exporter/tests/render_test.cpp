#include "metrics/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_clock.h"

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

TEST_F(RenderTest, MetaMetricsBeforeAndAfterTheFirstRun) {
  board_.Configure({{"pipeline", std::chrono::seconds(10)}});
  std::string text = *renderer_.Render();
  EXPECT_THAT(text, HasSubstr("usdcop_build_info{version=\"1.2.3\",revision=\"abc123\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_config_last_reload_successful 1\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_probe_timeout_seconds{probe=\"pipeline\"} 10\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_probe_errors_total{probe=\"pipeline\",reason=\"timeout\"} 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("usdcop_probe_success")));  // not run yet

  board_.Record("pipeline", Status(Reason::kHttpStatus, "401"), 0.25, 1795525600, nullptr);
  text = *renderer_.Render();
  EXPECT_THAT(text, HasSubstr("usdcop_probe_success{probe=\"pipeline\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_probe_duration_seconds{probe=\"pipeline\"} 0.25\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_probe_last_run_timestamp_seconds{probe=\"pipeline\"} 1795525600\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_probe_errors_total{probe=\"pipeline\",reason=\"http_status\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE usdcop_probe_errors_total counter\n"));
}

TEST_F(RenderTest, PipelineStatusIsAStateSetWithOneSeriesAtOne) {
  board_.Configure({{"pipeline", std::chrono::seconds(10)}});
  board_.Record("pipeline", Status::Ok(), 0.1, 1795525600,
                std::make_shared<const ProbeResult>(OneLayer(LayerStatus::kFailed)));
  std::string text = *renderer_.Render();
  const std::string id = "layer=\"L0\",dag_id=\"dag0\"";
  EXPECT_THAT(text, HasSubstr("usdcop_pipeline_status{" + id + ",status=\"failed\"} 1\n"));
  for (const char* other : {"running", "completed", "idle"})
    EXPECT_THAT(text, HasSubstr("usdcop_pipeline_status{" + id + ",status=\"" + other + "\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_pipeline_runs_total{" + id + ",state=\"success\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_pipeline_runs_total{" + id + ",state=\"failed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_pipeline_last_success_timestamp_seconds{" + id + "} 1795525560.5\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_pipeline_records_processed_total{layer=\"L0\"} 180\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_airflow_component_healthy{component=\"metadatabase\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_airflow_scheduler_heartbeat_timestamp_seconds 1795525599\n"));
  EXPECT_THAT(text, Not(HasSubstr("usdcop_pipeline_last_run_duration_seconds")));  // unknown: absent
}

TEST_F(RenderTest, ALayerThatWasNotReadKeepsOnlyItsCounters) {
  PipelineResult r = OneLayer(LayerStatus::kRunning);
  r.layers[0].current = false;
  board_.Configure({{"pipeline", std::chrono::seconds(10)}});
  board_.Record("pipeline", Status(Reason::kTimeout, "slow"), 10, 1795525600, std::make_shared<const ProbeResult>(r));
  std::string text = *renderer_.Render();
  EXPECT_THAT(text, Not(HasSubstr("usdcop_pipeline_status")));
  EXPECT_THAT(text, Not(HasSubstr("usdcop_pipeline_last_run_start_timestamp_seconds")));
  EXPECT_THAT(text, HasSubstr("usdcop_pipeline_runs_total{layer=\"L0\",dag_id=\"dag0\",state=\"success\"} 3\n"));
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
  clock.Set(*ParseTimestamp("2026-11-24T13:00:00Z"));  // the first bar opens: no probe ran, still re-rendered
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

}  // namespace
}  // namespace usdcop
