// Airflow 3 (API v2, bearer tokens) and status-file layers, against pipeline-sim.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;

TEST(AirflowVariantsIT, ApiV2LogsInAndLogsInAgainWhenItsTokenExpires) {
  Stack stack;
  stack.StartSim({"--airflow.token-ttl", "1"});
  stack.WriteConfig(stack.PipelineConfig("1s", "800ms", "v2"));
  stack.StartExporter();
  stack.Sim("/sim/airflow/dags/" + kDagIds[0] + "/runs",
            R"({"state": "failed", "duration_seconds": 2})");
  const std::string failed =
      "usdcop_pipeline_status{layer=\"L0\",dag_id=\"" + kDagIds[0] + "\",status=\"failed\"}";
  ASSERT_TRUE(stack.WaitForValue(failed, 1, 5s)) << stack.exporter().Log();
  // Tokens last 1 s: the runs up to one that starts 2 s from now outlive the token at least
  // twice, and all succeed.
  ASSERT_TRUE(stack.WaitForRunStartedAfter("pipeline", UnixNow() + 2));
  Series s = stack.Scrape();
  EXPECT_EQ(s["usdcop_probe_success{probe=\"pipeline\"}"], 1) << stack.exporter().Log();
  EXPECT_EQ(s["usdcop_probe_errors_total{probe=\"pipeline\",reason=\"http_status\"}"], 0);
  EXPECT_EQ(s["usdcop_airflow_component_healthy{component=\"dag_processor\"}"],
            1);  // v2's health shape
}

TEST(AirflowVariantsIT, AStatusFileLayerFollowsItsFile) {
  Stack stack;
  stack.StartSim();
  stack.WriteConfig(
      "probes:\n  pipeline:\n    interval: 1s\n    timeout: 800ms\n    layers:\n"
      "      - {layer: L5, status_file: sim/status/L5.json}\n");
  stack.StartExporter();
  ASSERT_TRUE(
      stack.WaitForAtLeast("usdcop_probe_errors_total{probe=\"pipeline\",reason=\"io\"}", 1));
  stack.Sim("/sim/status-files/L5", R"({"status": "completed", "records": 250})");
  const std::string id = "layer=\"L5\",dag_id=\"\"";
  ASSERT_TRUE(stack.WaitForValue("usdcop_pipeline_status{" + id + ",status=\"completed\"}", 1));
  EXPECT_TRUE(stack.WaitForValue("usdcop_pipeline_records_processed_total{layer=\"L5\"}", 250));
  stack.Sim("/sim/status-files/L5", R"({"status": "failed"})");
  ASSERT_TRUE(stack.WaitForValue("usdcop_pipeline_status{" + id + ",status=\"failed\"}", 1));
  EXPECT_EQ(stack.Scrape()["usdcop_pipeline_runs_total{" + id + ",state=\"failed\"}"], 1);
  EXPECT_EQ(stack.Scrape()["usdcop_probe_success{probe=\"pipeline\"}"], 1);
}

}  // namespace
}  // namespace usdcop::testing
