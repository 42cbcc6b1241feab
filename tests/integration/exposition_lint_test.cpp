// The exposition holds against promtool's linter and DESIGN.md's metric contract.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;

class ExpositionIT : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartSim();
    stack_.WriteConfig(stack_.PipelineConfig());
    stack_.StartExporter();
    // Every kind of series present: runs, records, airflow health.
    stack_.Sim("/sim/airflow/dags/" + kDagIds[0] + "/runs", R"({"state": "success", "records": 60, "duration_seconds": 3})");
    stack_.Sim("/sim/airflow/dags/" + kDagIds[1] + "/runs", R"({"state": "running"})");
    ASSERT_TRUE(stack_.WaitForValue("usdcop_pipeline_records_processed_total{layer=\"L0\"}", 60));
    text_ = stack_.ScrapeText();
  }
  Stack stack_;
  std::string text_;
};

TEST_F(ExpositionIT, PromtoolCheckMetricsReportsNothing) {
  CommandResult r = RunCommand({"promtool", "check", "metrics"}, text_);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << r.output;
}

TEST_F(ExpositionIT, EveryFamilyIsInTheMetricContract) {
  const std::string tool = std::string(USDCOP_SHARED_DIR) + "/tools/check-contract";
  if (!std::filesystem::exists(tool)) GTEST_SKIP() << tool << " not found (../shared is not beside the checkout)";
  stack_.WriteFile("exposition.prom", text_);
  CommandResult r = RunCommand({"python3", tool, stack_.File("exposition.prom"), "--require", "usdcop_pipeline_",
                                "--require", "usdcop_probe_", "--require", "usdcop_airflow_", "--require", "usdcop_market_open",
                                "--require", "usdcop_config_", "--require", "usdcop_build_"},
                               "");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("0 findings"));
}

}  // namespace
}  // namespace usdcop::testing
