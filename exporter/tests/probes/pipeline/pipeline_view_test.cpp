// probes/pipeline/pipeline_view.cpp: the pipeline's layers and Airflow as the control API shows
// them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "probes/pipeline/pipeline_kind.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kNow = 1'700'000'000;

TEST(PipelineViewTest, ALayerWithEveryFigureAndOneWithoutAny) {
  LayerResult l0;
  l0.layer = "L0";
  l0.dag_id = "usdcop_l0";
  l0.current = true;
  l0.status = LayerStatus::kFailed;
  l0.last_run_start = kNow - 120;
  l0.last_success = kNow - 3600;
  l0.last_duration = 42.5;
  l0.runs_success = 3;
  l0.runs_failed = 1;
  l0.records = 180;
  LayerResult l5;
  l5.layer = "L5";
  PipelineResult p;
  p.layers = {l0, l5};
  const json v = PipelineKind::View(p, kNow);
  ASSERT_EQ(v["layers"].size(), 2u);
  EXPECT_EQ(v["layers"][0], json({{"layer", "L0"},
                                  {"dag_id", "usdcop_l0"},
                                  {"current", true},
                                  {"status", "failed"},
                                  {"last_run_start", kNow - 120},
                                  {"last_success", kNow - 3600},
                                  {"since_last_success_seconds", 3600},
                                  {"last_run_duration_seconds", 42.5},
                                  {"runs_succeeded", 3},
                                  {"runs_failed", 1},
                                  {"error_ratio", 0.25},
                                  {"records_last_run", 180}}));
  const json& none = v["layers"][1];
  for (const char* field : {"last_run_start", "last_success", "since_last_success_seconds",
                            "last_run_duration_seconds", "error_ratio", "records_last_run"})
    EXPECT_TRUE(none[field].is_null()) << field << ": unknown, not 0";
  EXPECT_TRUE(v["airflow"].is_null()) << "no health read";
}

TEST(PipelineViewTest, AirflowsComponentsAndHeartbeat) {
  PipelineResult p;
  p.airflow = AirflowHealthResult{{{"scheduler", true}, {"triggerer", false}}, kNow - 7.5};
  const json v = PipelineKind::View(p, kNow);
  EXPECT_EQ(v["layers"], json::array());
  EXPECT_EQ(v["airflow"],
            json({{"components", {{"scheduler", "healthy"}, {"triggerer", "unhealthy"}}},
                  {"scheduler_heartbeat", kNow - 7.5},
                  {"scheduler_heartbeat_age_seconds", 7.5}}));
}

}  // namespace
}  // namespace usdcop
