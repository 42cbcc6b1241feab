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
  auto contract = stack_.CheckContract(text_, {"usdcop_pipeline_", "usdcop_probe_", "usdcop_airflow_", "usdcop_market_open",
                                               "usdcop_config_", "usdcop_build_"});
  if (!contract) GTEST_SKIP() << "../shared/tools/check-contract not found (../shared is not beside the checkout)";
  EXPECT_EQ(contract->exit_code, 0) << contract->output;
  EXPECT_THAT(contract->output, ::testing::HasSubstr("0 findings"));
}

}  // namespace
}  // namespace usdcop::testing
