// The real usdcop_exporter against pipeline-sim's Airflow API, over loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include "support/sim_json.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Layer(int i) {
  return "layer=\"L" + std::to_string(i) + "\",dag_id=\"" + kDagIds[i] + "\"";
}
std::string Status(int i, const char* status) {
  return "usdcop_pipeline_status{" + Layer(i) + ",status=\"" + status + "\"}";
}
std::string Errors(const char* reason) {
  return std::string("usdcop_probe_errors_total{probe=\"pipeline\",reason=\"") + reason + "\"}";
}
std::string RunsPath(int i) { return "/sim/airflow/dags/" + kDagIds[i] + "/runs"; }

class PipelineProbeIT : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartSim();
    stack_.WriteConfig(stack_.PipelineConfig());
    stack_.StartExporter({"--web.enable-lifecycle"});
  }
  Stack stack_;
};

TEST_F(PipelineProbeIT, AFailedL0RunShowsAsFailedWithinOneInterval) {
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"pipeline\"}", 1));
  EXPECT_EQ(stack_.Scrape()[Status(0, "idle")], 1);  // no runs yet
  stack_.Sim(RunsPath(0), R"({"state": "running"})");
  ASSERT_TRUE(stack_.WaitForValue(Status(0, "running"), 1, 3s));
  stack_.Sim("/sim/airflow/dags/" + kDagIds[0] + "/state", R"({"state": "failed"})");
  ASSERT_TRUE(stack_.WaitForValue(Status(0, "failed"), 1, 3s));
  Series s = stack_.Scrape();
  EXPECT_EQ(s[Status(0, "running")], 0);
  EXPECT_EQ(s[Status(0, "completed")], 0);
  EXPECT_EQ(s["usdcop_pipeline_runs_total{" + Layer(0) + ",state=\"failed\"}"], 1);
  EXPECT_EQ(s[Status(1, "idle")], 1);  // the other layers are untouched
  EXPECT_EQ(s["usdcop_airflow_component_healthy{component=\"scheduler\"}"], 1);
}

TEST_F(PipelineProbeIT, SuccessfulRunsReportTimesAndRecords) {
  stack_.Sim(
      RunsPath(0),
      R"({"state": "success", "records": 60, "start_offset_seconds": -30, "duration_seconds": 12})");
  ASSERT_TRUE(stack_.WaitForValue(Status(0, "completed"), 1, 3s));
  ASSERT_TRUE(stack_.WaitForValue("usdcop_pipeline_records_processed_total{layer=\"L0\"}", 60, 3s));
  Series s = stack_.Scrape();
  EXPECT_EQ(s["usdcop_pipeline_last_run_duration_seconds{" + Layer(0) + "}"], 12);
  EXPECT_EQ(s["usdcop_pipeline_runs_total{" + Layer(0) + ",state=\"success\"}"], 1);
  EXPECT_GT(s["usdcop_pipeline_last_success_timestamp_seconds{" + Layer(0) + "}"], 1.7e9);
}

TEST_F(PipelineProbeIT, AHangingAirflowIsATimeoutAndScrapesStayAnswered) {
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"pipeline\"}", 1));
  stack_.Sim("/sim/airflow/fault", R"({"fault": "hang", "hang_seconds": 60})");
  // While the probe is stuck for its whole 800ms timeout, every scrape is answered within a
  // 500ms client deadline.
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    auto text = HttpGet(stack_.exporter_port(), "/metrics", 500ms);
    ASSERT_TRUE(text) << "scrape " << i << " was not answered within 500ms";
    answered++;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(answered, 20);
  ASSERT_TRUE(stack_.WaitForAtLeast(Errors("timeout"), 1, 5s));
  EXPECT_EQ(stack_.Scrape()["usdcop_probe_success{probe=\"pipeline\"}"], 0);
  stack_.Sim("/sim/airflow/fault", R"({"fault": "none"})");
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"pipeline\"}", 1, 5s));
}

TEST_F(PipelineProbeIT, GarbageJsonIsAParseError) {
  stack_.Sim("/sim/airflow/fault", R"({"fault": "garbage"})");
  // The second failed run started wholly after the fault (the first may have begun before).
  ASSERT_TRUE(stack_.WaitForAtLeast(Errors("parse"), 2, 5s));
  Series s = stack_.Scrape();
  EXPECT_EQ(s["usdcop_probe_success{probe=\"pipeline\"}"], 0);
  EXPECT_EQ(s.count(Status(0, "idle")), 0u);  // state unknown: no state series
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("reason=parse"));
}

TEST_F(PipelineProbeIT, A401IsAnHttpStatusErrorAndTheSecretNeverLeaks) {
  stack_.Sim("/sim/airflow/fault", R"({"fault": "unauthorized"})");
  ASSERT_TRUE(stack_.WaitForAtLeast(Errors("http_status"), 1, 5s));
  EXPECT_THAT(stack_.exporter().Log(),
              HasSubstr("answered HTTP 401 (check the Airflow credentials)"));
  EXPECT_THAT(stack_.exporter().Log(), Not(HasSubstr(kPlantedPassword)));
  EXPECT_THAT(stack_.ScrapeText(), Not(HasSubstr(kPlantedPassword)));
  EXPECT_THAT(HttpGet(stack_.exporter_port(), "/").value_or(""), Not(HasSubstr(kPlantedPassword)));
}

TEST_F(PipelineProbeIT, ABrokenReloadKeepsTheOldConfigRunning) {
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"pipeline\"}", 1));
  stack_.WriteConfig("probes:\n  pipeline:\n    interval: 5x\n");
  std::string body;
  EXPECT_EQ(HttpPost(stack_.exporter_port(), "/-/reload", "", &body), 500);
  // The reason goes to the log, never to the client (a config's text may hold secrets).
  EXPECT_EQ(body, "failed to reload config; see the log\n");
  EXPECT_THAT(stack_.exporter().Log(),
              HasSubstr("config.yml:3:15: probes.pipeline.interval: \\\"5x\\\" is not a duration"));
  Series s = stack_.Scrape();
  EXPECT_EQ(s["usdcop_config_last_reload_successful"], 0);
  // The old probe keeps running: its last-run time moves on.
  double before = s["usdcop_probe_last_run_timestamp_seconds{probe=\"pipeline\"}"];
  ASSERT_TRUE(Eventually([&] {
    return stack_.Scrape()["usdcop_probe_last_run_timestamp_seconds{probe=\"pipeline\"}"] > before;
  }));
  // A good config by SIGHUP: reload succeeds and takes effect (only L0 is left).
  stack_.WriteConfig(
      "probes:\n  pipeline:\n    interval: 1s\n    timeout: 800ms\n    airflow: {url: "
      "\"http://127.0.0.1:" +
      std::to_string(stack_.sim_port()) +
      "\", username: admin, password_file: airflow_password}\n"
      "    layers: [{layer: L0, dag_id: " +
      kDagIds[0] + "}]\n");
  stack_.exporter().Signal(SIGHUP);
  ASSERT_TRUE(stack_.WaitForValue("usdcop_config_last_reload_successful", 1));
  ASSERT_TRUE(Eventually([&] { return stack_.Scrape().count(Status(1, "idle")) == 0; }));
  EXPECT_EQ(stack_.Scrape()[Status(0, "idle")], 1);
}

TEST_F(PipelineProbeIT, ARestartDoesNotCountRunsTwice) {
  stack_.Sim(RunsPath(0), R"({"state": "success", "records": 10, "duration_seconds": 5})");
  stack_.Sim(RunsPath(0), R"({"state": "failed", "duration_seconds": 5})");
  const std::string success = "usdcop_pipeline_runs_total{" + Layer(0) + ",state=\"success\"}";
  const std::string failed = "usdcop_pipeline_runs_total{" + Layer(0) + ",state=\"failed\"}";
  ASSERT_TRUE(stack_.WaitForValue(success, 1));
  ASSERT_TRUE(stack_.WaitForValue(failed, 1));
  EXPECT_EQ(stack_.StopExporter(), 0);

  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"pipeline\"}", 1));
  // Two more runs of the probe over the same Airflow runs.
  ASSERT_TRUE(stack_.WaitForRunStartedAfter("pipeline", UnixNow()));
  ASSERT_TRUE(stack_.WaitForRunStartedAfter("pipeline", UnixNow()));
  Series s = stack_.Scrape();
  EXPECT_EQ(s[success], 1);
  EXPECT_EQ(s[failed], 1);
  EXPECT_EQ(s["usdcop_pipeline_records_processed_total{layer=\"L0\"}"], 10);

  stack_.Sim(RunsPath(0), R"({"state": "success", "records": 5, "duration_seconds": 5})");
  ASSERT_TRUE(stack_.WaitForValue(success, 2));
  EXPECT_TRUE(stack_.WaitForValue("usdcop_pipeline_records_processed_total{layer=\"L0\"}", 15));
}

TEST_F(PipelineProbeIT, SigtermStopsWithinTwoSecondsEvenWithAProbeInFlight) {
  stack_.WriteConfig(stack_.PipelineConfig("10s", "9s"));
  EXPECT_EQ(stack_.StopExporter(), 0);  // the fixture's: only the new exporter's requests hang
  stack_.Sim("/sim/airflow/fault", R"({"fault": "hang", "hang_seconds": 60})");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.exporter().WaitForLog("(starting usdcop_exporter)", 5s));
  ASSERT_TRUE(Eventually([&] {  // the first run is waiting on the hung Airflow
    return GetJson(stack_.sim_port(), "/sim/state")
               .value("airflow", nlohmann::json::object())
               .value("hanging_requests", 0) > 0;
  }));
  stack_.exporter().Signal(SIGTERM);
  auto code = stack_.exporter().WaitExit(2000ms);
  ASSERT_TRUE(code) << "still running 2 s after SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("msg=stopped"));
}

TEST_F(PipelineProbeIT, TheEndpointsOfThePublicPort) {
  EXPECT_EQ(HttpGet(stack_.exporter_port(), "/-/healthy").value_or(""),
            "usdcop_exporter is Healthy.\n");
  ASSERT_TRUE(Eventually([&] { return HttpGet(stack_.exporter_port(), "/-/ready").has_value(); }));
  std::string landing = HttpGet(stack_.exporter_port(), "/").value_or("");
  EXPECT_THAT(landing, HasSubstr("<a href=\"/metrics\">"));
  EXPECT_THAT(landing, HasSubstr("<td>pipeline</td>"));
  EXPECT_FALSE(HttpGet(stack_.exporter_port(), "/-/reload").has_value());  // GET: 405
  EXPECT_FALSE(HttpGet(stack_.exporter_port(), "/nope").has_value());
}

TEST_F(PipelineProbeIT, ScrapesAskingForGzipGetGzip) {
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"pipeline\"}", 1));
  httplib::Client client("127.0.0.1", stack_.exporter_port());
  client.set_read_timeout(5s);
  auto res = client.Get("/metrics", {{"Accept-Encoding", "gzip"}});  // httplib inflates the body
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Encoding"), "gzip");
  EXPECT_THAT(res->body, HasSubstr("# TYPE usdcop_pipeline_status gauge"));
  auto plain = client.Get("/metrics");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->get_header_value("Content-Encoding"), "");
  EXPECT_EQ(plain->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace usdcop::testing
