// The exposition holds against promtool's linter and the metric contract
// (exporter/metrics-contract.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
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
    stack_.Sim("/sim/airflow/dags/" + kDagIds[0] + "/runs",
               R"({"state": "success", "records": 60, "duration_seconds": 3})");
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
  EXPECT_EQ(stack_.CheckContract(text_, {"usdcop_pipeline_", "usdcop_probe_", "usdcop_airflow_",
                                         "usdcop_market_open", "usdcop_config_", "usdcop_build_",
                                         "usdcop_http_", "process_"}),
            "");
}

// The standard process metrics, as every client library names and types them, read from the
// exporter's own /proc entry: it started with the test, its open fds are its own.
TEST_F(ExpositionIT, PublishesTheStandardProcessMetricsOfTheExportersProcess) {
  for (const auto& [name, type] :
       std::vector<std::pair<std::string, std::string>>{{"process_cpu_seconds_total", "counter"},
                                                        {"process_resident_memory_bytes", "gauge"},
                                                        {"process_virtual_memory_bytes", "gauge"},
                                                        {"process_open_fds", "gauge"},
                                                        {"process_max_fds", "gauge"},
                                                        {"process_start_time_seconds", "gauge"}})
    EXPECT_THAT(text_, ::testing::HasSubstr("# TYPE " + name + " " + type + "\n")) << name;
  Series s = ParseExposition(text_);
  const double now = static_cast<double>(std::time(nullptr));
  const auto proc = std::filesystem::path("/proc") / std::to_string(stack_.exporter().pid());
  // boot time (/proc/stat's btime, whole seconds, and drifting against the wall clock as NTP
  // slews it) plus the start ticks: it may land a moment after time(), which drops the fraction.
  EXPECT_LE(s["process_start_time_seconds"], now + 2);
  EXPECT_GT(s["process_start_time_seconds"], now - 300);
  EXPECT_GT(s["process_resident_memory_bytes"], 1e6);
  EXPECT_GE(s["process_virtual_memory_bytes"], s["process_resident_memory_bytes"]);
  size_t fds = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(proc / "fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  EXPECT_GE(s["process_open_fds"], 3);
  EXPECT_LE(std::abs(s["process_open_fds"] - static_cast<double>(fds)), 8)
      << "the exporter's own fds, not ours";
  EXPECT_GT(s["process_max_fds"], s["process_open_fds"]);
}

}  // namespace
}  // namespace usdcop::testing
