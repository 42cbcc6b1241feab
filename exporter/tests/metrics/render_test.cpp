// MetricsRenderer's logic: caching by generation, the calendar followed over time, removed
// probes. What the text says for each result, to the byte, is render_golden_test's.
#include "metrics/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_clock.h"

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
