#include "probes/pipeline/pipeline_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <fstream>

#include "support/fake_clock.h"
#include "support/fake_http.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;

SysTime T(const char* iso) { return *ParseTimestamp(iso); }

DagRun MakeRun(const char* id, const char* state, std::optional<const char*> start,
               std::optional<const char*> end = {}) {
  DagRun r{id, state, {}, {}};
  if (start) r.start = T(*start);
  if (end) r.end = T(*end);
  return r;
}

TEST(MapDagStatus, MapsAirflowStatesToLayerStates) {
  const SysTime now = T("2026-11-24T13:10:00Z");
  const std::optional<Duration> every = std::chrono::minutes(5);
  EXPECT_EQ(MapDagStatus({}, every, now), LayerStatus::kIdle);
  EXPECT_EQ(MapDagStatus({MakeRun("a", "running", "2026-11-24T13:09:00Z")}, every, now),
            LayerStatus::kRunning);
  EXPECT_EQ(MapDagStatus({MakeRun("a", "queued", std::nullopt)}, every, now),
            LayerStatus::kRunning);
  EXPECT_EQ(MapDagStatus({MakeRun("a", "success", "2026-11-24T13:06:00Z", "2026-11-24T13:07:00Z")},
                         every, now),
            LayerStatus::kCompleted);
  EXPECT_EQ(MapDagStatus({MakeRun("a", "failed", "2026-11-24T13:06:00Z", "2026-11-24T13:07:00Z")},
                         every, now),
            LayerStatus::kFailed);
}

TEST(MapDagStatus, IdleWhenNoRunWithinTheExpectedPeriodButFailedStaysFailed) {
  const SysTime now = T("2026-11-24T13:10:00Z");
  const std::optional<Duration> every = std::chrono::minutes(5);
  auto old_success = MakeRun("a", "success", "2026-11-24T13:04:59Z", "2026-11-24T13:05:30Z");
  EXPECT_EQ(MapDagStatus({old_success}, every, now), LayerStatus::kIdle);
  EXPECT_EQ(MapDagStatus({old_success}, std::nullopt, now), LayerStatus::kCompleted);
  auto old_failure = MakeRun("a", "failed", "2026-11-24T12:00:00Z", "2026-11-24T12:01:00Z");
  EXPECT_EQ(MapDagStatus({old_failure}, every, now), LayerStatus::kFailed);
}

TEST(MapDagStatus, TheNewestRunDecidesWhateverTheOrder) {
  const SysTime now = T("2026-11-24T13:10:00Z");
  auto older = MakeRun("a", "failed", "2026-11-24T13:00:00Z", "2026-11-24T13:01:00Z");
  auto newer = MakeRun("b", "success", "2026-11-24T13:05:00Z", "2026-11-24T13:06:00Z");
  EXPECT_EQ(MapDagStatus({older, newer}, std::nullopt, now), LayerStatus::kCompleted);
  EXPECT_EQ(MapDagStatus({newer, older}, std::nullopt, now), LayerStatus::kCompleted);
  auto queued = MakeRun("c", "queued", std::nullopt);
  EXPECT_EQ(MapDagStatus({newer, queued}, std::nullopt, now), LayerStatus::kRunning);
}

TEST(MapFileStatus, KnowsTheWordsAndRefusesOthers) {
  EXPECT_EQ(MapFileStatus("completed"), LayerStatus::kCompleted);
  EXPECT_EQ(MapFileStatus("success"), LayerStatus::kCompleted);
  EXPECT_EQ(MapFileStatus("error"), LayerStatus::kFailed);
  EXPECT_EQ(MapFileStatus("idle"), LayerStatus::kIdle);
  EXPECT_EQ(MapFileStatus("running"), LayerStatus::kRunning);
  EXPECT_EQ(MapFileStatus("exploded"), std::nullopt);
}

TEST(ParseStatusFile, ReadsTheStatusTheTimeAndTheRecords) {
  auto ok = ParseStatusFile(
      nlohmann::json::parse(R"({"status": "success", "updated_at": "2026-11-24T13:00:00.5Z",
                                "records": 100})"));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->status, LayerStatus::kCompleted);
  EXPECT_EQ(ok->updated_text, "2026-11-24T13:00:00.5Z");
  EXPECT_EQ(ok->updated, T("2026-11-24T13:00:00.5Z"));
  EXPECT_EQ(ok->records, 100);
  auto no_records = ParseStatusFile(
      nlohmann::json::parse(R"({"status": "idle", "updated_at": "2026-11-24T13:00:00Z"})"));
  ASSERT_TRUE(no_records.ok());
  EXPECT_FALSE(no_records->records);
}

TEST(ParseStatusFile, SaysWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"updated_at": "2026-11-24T13:00:00Z"})", "no \"status\" string"},
      {R"({"status": 1, "updated_at": "2026-11-24T13:00:00Z"})", "no \"status\" string"},
      {R"({"status": "done", "updated_at": "2026-11-24T13:00:00Z"})",
       "status \"done\" is not running, completed, failed or idle"},
      {R"({"status": "failed"})", "no \"updated_at\" time"},
      {R"({"status": "failed", "updated_at": 1795525500})", "no \"updated_at\" time"},
      {R"({"status": "failed", "updated_at": "yesterday"})",
       "updated_at \"yesterday\" is not an ISO 8601 time"},
      {R"({"status": "failed", "updated_at": "2026-11-24T13:00:00Z", "records": -1})",
       "records is not a non-negative number"},
      {R"({"status": "failed", "updated_at": "2026-11-24T13:00:00Z", "records": "9"})",
       "records is not a non-negative number"},
  };
  for (const auto& [text, what] : cases) {
    auto bad = ParseStatusFile(nlohmann::json::parse(text));
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_EQ(bad.status().reason(), Reason::kParse);
    EXPECT_EQ(bad.status().message(), what);
  }
}

class PipelineProbeTest : public ::testing::Test {
 protected:
  static constexpr const char* kRunsUrl =
      "http://af/api/v1/dags/dag0/dagRuns?order_by=-start_date&limit=25";
  static constexpr const char* kHealthUrl = "http://af/api/v1/health";

  void SetUp() override {
    auto store = StateStore::Open(dir_.File("state.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    http_.Answer(kHealthUrl, 200,
                 R"({"metadatabase": {"status": "healthy"}, "scheduler": {"status": "healthy",
      "latest_scheduler_heartbeat": "2026-11-24T13:09:59+00:00"}})");
  }

  PipelineProbeConfig Config() {
    PipelineProbeConfig c;
    c.airflow =
        AirflowConfig{"http://af", AirflowConfig::Api::kV1, "admin", Secret("pw"), Secret()};
    c.layers.push_back(
        LayerConfig{"L0", "dag0", "", std::chrono::minutes(5), XcomRef{"report", "records"}});
    return c;
  }

  ProbeOutcome RunProbe(PipelineProbe& probe) {
    ProbeContext ctx{Deadline::After(std::chrono::seconds(5)), clock_, log_};
    return probe.Run(ctx);
  }

  void AnswerXcom(const std::string& escaped_run_id, const char* value) {
    http_.Answer("http://af/api/v1/dags/dag0/dagRuns/" + escaped_run_id +
                     "/taskInstances/report/xcomEntries/records",
                 200, std::string("{\"value\": \"") + value + "\"}");
  }

  TempDir dir_;
  std::unique_ptr<StateStore> store_;
  FakeHttp http_;
  FakeClock clock_{T("2026-11-24T13:10:00Z")};
  Logger log_{LogLevel::kError};
};

constexpr const char* kTwoFinished = R"({"dag_runs": [
  {"dag_run_id": "r2", "state": "failed", "start_date": "2026-11-24T13:05:00Z", "end_date": "2026-11-24T13:05:40Z"},
  {"dag_run_id": "r1", "state": "success", "start_date": "2026-11-24T13:00:00Z", "end_date": "2026-11-24T13:01:00Z"}],
  "total_entries": 2})";

TEST_F(PipelineProbeTest, PublishesStatusTimesCountersAndAirflowHealth) {
  http_.Answer(kRunsUrl, 200, kTwoFinished);
  AnswerXcom("r1", "60");
  PipelineProbe probe(Config(), http_, *store_);
  ProbeOutcome out = RunProbe(probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  const auto& result = std::get<PipelineResult>(out.result);
  ASSERT_EQ(result.layers.size(), 1u);
  const LayerResult& l0 = result.layers[0];
  EXPECT_TRUE(l0.current);
  EXPECT_EQ(l0.status, LayerStatus::kFailed);
  EXPECT_DOUBLE_EQ(*l0.last_run_start, ToUnixSeconds(T("2026-11-24T13:05:00Z")));
  EXPECT_DOUBLE_EQ(*l0.last_success, ToUnixSeconds(T("2026-11-24T13:01:00Z")));
  EXPECT_DOUBLE_EQ(*l0.last_duration, 40);
  EXPECT_EQ(l0.runs_success, 1u);
  EXPECT_EQ(l0.runs_failed, 1u);
  EXPECT_DOUBLE_EQ(*l0.records, 60);
  ASSERT_TRUE(result.airflow);
  EXPECT_EQ(result.airflow->components.size(), 2u);
}

TEST_F(PipelineProbeTest, AnUnreadableStateStoreLeavesTheCountersUnknownAndTheStatusCurrent) {
  sqlite3* db = nullptr;  // the store damaged under the exporter: its table gone
  ASSERT_EQ(sqlite3_open(dir_.File("state.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE probe_state;", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  http_.Answer(kRunsUrl, 200, kTwoFinished);
  AnswerXcom("r1", "60");
  PipelineProbe probe(Config(), http_, *store_);
  ProbeOutcome out = RunProbe(probe);
  EXPECT_FALSE(out.status.ok()) << "the store's error is the run's";
  const LayerResult& l0 = std::get<PipelineResult>(out.result).layers.at(0);
  EXPECT_TRUE(l0.current);
  EXPECT_EQ(l0.status, LayerStatus::kFailed);
  EXPECT_FALSE(l0.runs_success.has_value()) << "unknown, not 0";
  EXPECT_FALSE(l0.runs_failed.has_value());
  EXPECT_FALSE(l0.records.has_value());
}

TEST_F(PipelineProbeTest, CountsEachFinishedRunOnceAcrossRunsAndRestarts) {
  http_.Answer(kRunsUrl, 200, kTwoFinished);
  AnswerXcom("r1", "60");
  {
    PipelineProbe probe(Config(), http_, *store_);
    RunProbe(probe);
    RunProbe(probe);
  }
  PipelineProbe restarted(Config(), http_, *store_);  // a new process: state from the store
  auto out = RunProbe(restarted);
  const LayerResult& l0 = std::get<PipelineResult>(out.result).layers[0];
  EXPECT_EQ(l0.runs_success, 1u);
  EXPECT_EQ(l0.runs_failed, 1u);
  EXPECT_DOUBLE_EQ(*l0.records, 60);

  http_.Answer(kRunsUrl, 200, R"({"dag_runs": [
    {"dag_run_id": "r3", "state": "success", "start_date": "2026-11-24T13:06:00Z", "end_date": "2026-11-24T13:07:00Z"},
    {"dag_run_id": "r2", "state": "failed", "start_date": "2026-11-24T13:05:00Z", "end_date": "2026-11-24T13:05:40Z"}]})");
  AnswerXcom("r3", "12");
  out = RunProbe(restarted);
  const LayerResult& again = std::get<PipelineResult>(out.result).layers[0];
  EXPECT_EQ(again.runs_success, 2u);
  EXPECT_EQ(again.runs_failed, 1u);
  EXPECT_DOUBLE_EQ(*again.records, 72);
  EXPECT_EQ(again.status, LayerStatus::kCompleted);
}

TEST_F(PipelineProbeTest, ARunWhoseRecordsCannotBeReadIsCountedLaterNotTwice) {
  http_.Answer(kRunsUrl, 200, kTwoFinished);
  http_.On(
      "http://af/api/v1/dags/dag0/dagRuns/r1/taskInstances/report/xcomEntries/records",
      [](const HttpRequest&) { return Result<HttpResponse>(Status(Reason::kTimeout, "slow")); });
  PipelineProbe probe(Config(), http_, *store_);
  auto out = RunProbe(probe);
  EXPECT_EQ(out.status.reason(), Reason::kTimeout);
  const LayerResult& l0 = std::get<PipelineResult>(out.result).layers[0];
  EXPECT_EQ(l0.runs_success, 0u);  // waits for its records
  EXPECT_EQ(l0.runs_failed, 1u);
  AnswerXcom("r1", "60");
  out = RunProbe(probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(std::get<PipelineResult>(out.result).layers[0].runs_success, 1u);
  EXPECT_DOUBLE_EQ(*std::get<PipelineResult>(out.result).layers[0].records, 60);
}

TEST_F(PipelineProbeTest, AClearedRunThatFinishesAgainCountsAgain) {
  http_.Answer(kRunsUrl, 200, kTwoFinished);
  AnswerXcom("r1", "60");
  PipelineProbe probe(Config(), http_, *store_);
  RunProbe(probe);
  http_.Answer(kRunsUrl, 200, R"({"dag_runs": [
    {"dag_run_id": "r2", "state": "running", "start_date": "2026-11-24T13:05:00Z", "end_date": null},
    {"dag_run_id": "r1", "state": "success", "start_date": "2026-11-24T13:00:00Z", "end_date": "2026-11-24T13:01:00Z"}]})");
  auto out = RunProbe(probe);
  EXPECT_EQ(std::get<PipelineResult>(out.result).layers[0].status, LayerStatus::kRunning);
  http_.Answer(kRunsUrl, 200, R"({"dag_runs": [
    {"dag_run_id": "r2", "state": "failed", "start_date": "2026-11-24T13:05:00Z", "end_date": "2026-11-24T13:09:00Z"},
    {"dag_run_id": "r1", "state": "success", "start_date": "2026-11-24T13:00:00Z", "end_date": "2026-11-24T13:01:00Z"}]})");
  out = RunProbe(probe);
  EXPECT_EQ(std::get<PipelineResult>(out.result).layers[0].runs_failed, 2u);
  EXPECT_EQ(std::get<PipelineResult>(out.result).layers[0].runs_success, 1u);
}

TEST_F(PipelineProbeTest, AFailingSourceKeepsCountersButDropsTheCurrentState) {
  http_.Answer(kRunsUrl, 200, kTwoFinished);
  AnswerXcom("r1", "60");
  PipelineProbe probe(Config(), http_, *store_);
  RunProbe(probe);
  http_.Answer(kRunsUrl, 200, "{\"dag_runs\": [");
  auto out = RunProbe(probe);
  EXPECT_EQ(out.status.reason(), Reason::kParse);
  EXPECT_THAT(out.status.message(), HasSubstr("L0: dag0: dagRuns: answer is not JSON"));
  const LayerResult& l0 = std::get<PipelineResult>(out.result).layers[0];
  EXPECT_FALSE(l0.current);
  EXPECT_EQ(l0.runs_success, 1u);
}

TEST_F(PipelineProbeTest, StatusFileLayerCountsEachNewCompletedVersion) {
  std::string file = dir_.File("l5.json");
  PipelineProbeConfig c;
  c.layers.push_back(LayerConfig{"L5", "", file, std::chrono::hours(1), std::nullopt});
  PipelineProbe probe(c, http_, *store_);
  auto write = [&](const char* json) { std::ofstream(file) << json; };

  auto out = RunProbe(probe);  // no file yet
  EXPECT_EQ(out.status.reason(), Reason::kIo);
  EXPECT_THAT(out.status.message(), HasSubstr("l5.json: No such file or directory"));

  write(R"({"status": "completed", "updated_at": "2026-11-24T13:00:00Z", "records": 100})");
  out = RunProbe(probe);
  out = RunProbe(probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  LayerResult l5 = std::get<PipelineResult>(out.result).layers[0];
  EXPECT_EQ(l5.status, LayerStatus::kCompleted);
  EXPECT_EQ(l5.runs_success, 1u);
  EXPECT_DOUBLE_EQ(*l5.records, 100);

  write(R"({"status": "failed", "updated_at": "2026-11-24T13:05:00Z"})");
  out = RunProbe(probe);
  l5 = std::get<PipelineResult>(out.result).layers[0];
  EXPECT_EQ(l5.status, LayerStatus::kFailed);
  EXPECT_EQ(l5.runs_failed, 1u);

  clock_.Set(T("2026-11-24T15:00:00Z"));
  write(R"({"status": "completed", "updated_at": "2026-11-24T13:30:00Z", "records": 5})");
  out = RunProbe(probe);
  l5 = std::get<PipelineResult>(out.result).layers[0];
  EXPECT_EQ(l5.status, LayerStatus::kIdle);  // older than expected_every
  EXPECT_DOUBLE_EQ(*l5.records, 105);

  write(R"({"status": "exploded", "updated_at": "2026-11-24T13:30:00Z"})");
  out = RunProbe(probe);
  EXPECT_EQ(out.status.reason(), Reason::kParse);
  EXPECT_THAT(out.status.message(),
              HasSubstr("status \"exploded\" is not running, completed, failed or idle"));
}

}  // namespace
}  // namespace usdcop
