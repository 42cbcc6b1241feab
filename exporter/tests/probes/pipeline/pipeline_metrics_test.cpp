// probes/pipeline/pipeline_metrics.cpp: the pipeline probe's metrics, to the byte: its golden file.
#include <gtest/gtest.h>

#include "support/golden.h"
#include "support/render_text.h"

namespace usdcop {
namespace {

// -- The golden file: fixtures/pipeline.prom (support/golden.h)
// ---------------------------------------

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
  l1.runs_failed = 0;
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
  r.airflow = AirflowHealthResult{
      {{"metadatabase", true}, {"scheduler", true}, {"triggerer", false}}, 1795525599.25};
  return r;
}

const Golden kPipelineGolden{"pipeline", [] { return RenderText(GoldenPipeline()); }};
[[maybe_unused]] const bool kPipelineGoldenRegistered = RegisterGolden(kPipelineGolden);

TEST(PipelineMetricsTest, MatchesItsGoldenFileAndTheContract) { ExpectGolden(kPipelineGolden); }

TEST(PipelineMetricsTest, CountersUnknownForWantOfTheStateStoreAreLeftOutNotRenderedZero) {
  LayerResult l0;
  l0.layer = "L0";
  l0.dag_id = "dag0";
  l0.current = true;
  l0.status = LayerStatus::kCompleted;  // Airflow answered; the state store did not
  PipelineResult r;
  r.layers = {l0};
  const std::string text = RenderText(r);
  EXPECT_NE(text.find("usdcop_pipeline_status{"), std::string::npos) << text;
  EXPECT_EQ(text.find("usdcop_pipeline_runs_total{"), std::string::npos)
      << "a 0 would be a counter reset to Prometheus:\n"
      << text;
  EXPECT_EQ(text.find("usdcop_pipeline_records_processed_total{"), std::string::npos) << text;
}

}  // namespace
}  // namespace usdcop
