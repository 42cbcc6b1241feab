// actions/airflow_actions.cpp: restart-component, clear-errors, force-sync and trigger-backup
// against a scripted Airflow (FakeHttp): the calls each makes, and its answers when Airflow fails.
#include "actions/airflow_actions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/fake_http.h"

namespace usdcop {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kApi = "http://af/api/v1/dags/usdcop_l0";

class AirflowActionsTest : public ::testing::Test {
 protected:
  ActionResult Run(const json& params,
                   const std::function<ActionResult(AirflowActions&, const ActionCall&)>& act,
                   AirflowConfig::Api api = AirflowConfig::Api::kV1) {
    AirflowActions actions(AirflowConfig{"http://af", api, "admin", Secret("pw"), Secret("tok")},
                           http_, clock_);
    return act(actions, ActionCall{caller_, params, Deadline::After(5s)});
  }

  FakeHttp http_;
  FakeClock clock_{*ParseTimestamp("2026-11-25T12:00:00Z")};
  Caller caller_{"ops", ControlRole::kOperator};
};

TEST_F(AirflowActionsTest, TriggerPostsARunWithWhoAskedAndWhy) {
  http_.Answer(
      std::string(kApi) + "/dagRuns", 200,
      R"({"dag_id": "usdcop_l0", "dag_run_id": "manual__1", "state": "queued", "conf": {}})");
  ActionResult r = Run(json::object(), [](AirflowActions& a, const ActionCall& c) {
    return a.Trigger(c, "usdcop_l0", "force-sync");
  });
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body["dag_run"],
            json({{"dag_id", "usdcop_l0"}, {"dag_run_id", "manual__1"}, {"state", "queued"}}))
      << "only the run's summary fields";
  EXPECT_EQ(r.summary, "triggered usdcop_l0 run manual__1");
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].method, "POST");
  const json sent = json::parse(http_.requests[0].body);
  EXPECT_EQ(sent["conf"], json({{"requested_by", "ops"}, {"action", "force-sync"}}));
  EXPECT_FALSE(sent.contains("logical_date")) << "v1 has no logical_date to null";
}

TEST_F(AirflowActionsTest, AnAnswerWhoseFieldsAreNotTextIsReportedWithoutThem) {
  // json::value("dag_run_id", "") threw for a number (the fuzz target action_answers).
  http_.Answer(std::string(kApi) + "/dagRuns", 200, R"({"dag_run_id": 5, "state": null})");
  ActionResult r = Run(json::object(), [](AirflowActions& a, const ActionCall& c) {
    return a.Trigger(c, "usdcop_l0", "force-sync");
  });
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.summary, "triggered usdcop_l0");
  http_.Answer(std::string(kApi) + "/clearTaskInstances", 200,
               R"({"task_instances": [{"dag_run_id": null, "task_id": ["t"]}]})");
  ActionResult cleared = Run(json::object(), [](AirflowActions& a, const ActionCall& c) {
    return a.ClearErrors(c, "usdcop_l0");
  });
  EXPECT_EQ(cleared.code, 200);
  EXPECT_EQ(cleared.body["cleared_task_instances"],
            json::array({{{"dag_run_id", ""}, {"task_id", ""}}}));
}

TEST_F(AirflowActionsTest, TriggerOnV2SendsANullLogicalDateAndEscapesTheDagId) {
  http_.Answer("http://af/api/v2/dags/a%20b/dagRuns", 201, R"({"dag_run_id": "r"})");
  ActionResult r = Run(
      json::object(),
      [](AirflowActions& a, const ActionCall& c) { return a.Trigger(c, "a b", "trigger-backup"); },
      AirflowConfig::Api::kV2);
  EXPECT_EQ(r.code, 200) << r.body.dump();
  ASSERT_EQ(http_.requests.size(), 1u);
  const json sent = json::parse(http_.requests[0].body);
  ASSERT_TRUE(sent.contains("logical_date"));
  EXPECT_TRUE(sent["logical_date"].is_null());
}

TEST_F(AirflowActionsTest, ARefusalQuotesAirflowsDetailAndAnUnreachableAirflowIs502) {
  http_.Answer(std::string(kApi) + "/dagRuns", 409,
               R"({"detail": "DAG is paused", "status": 409})");
  ActionResult refused = Run(json::object(), [](AirflowActions& a, const ActionCall& c) {
    return a.Trigger(c, "usdcop_l0", "force-sync");
  });
  EXPECT_EQ(refused.code, 502);
  EXPECT_EQ(refused.body["peer_status"], 409);
  EXPECT_THAT(refused.body["error"].get<std::string>(),
              HasSubstr("answered HTTP 409 to trigger usdcop_l0: DAG is paused"));

  http_.On(std::string(kApi) + "/dagRuns", [](const HttpRequest&) {
    return Result<HttpResponse>(Status(Reason::kConnect, "connection refused"));
  });
  ActionResult down = Run(json::object(), [](AirflowActions& a, const ActionCall& c) {
    return a.Trigger(c, "usdcop_l0", "force-sync");
  });
  EXPECT_EQ(down.code, 502);
  EXPECT_THAT(down.body["error"].get<std::string>(),
              HasSubstr("Airflow: trigger usdcop_l0 failed: connection refused"));
}

TEST_F(AirflowActionsTest, RestartComponentClearsTheNewestRun) {
  http_.Answer(std::string(kApi) + "/dagRuns?order_by=-start_date&limit=1", 200,
               R"({"dag_runs": [{"dag_run_id": "scheduled__7", "state": "failed",
                                 "start_date": "2026-11-25T11:00:00Z", "end_date": "2026-11-25T11:05:00Z"}]})");
  http_.Answer(std::string(kApi) + "/dagRuns/scheduled__7/clear", 200, "{}");
  ActionResult r = Run(json::object(), [](AirflowActions& a, const ActionCall& c) {
    return a.RestartComponent(c, "usdcop_l0");
  });
  EXPECT_EQ(r.code, 200) << r.body.dump();
  EXPECT_EQ(r.body["dag_run_id"], "scheduled__7");
  EXPECT_EQ(r.body["previous_state"], "failed");
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(json::parse(http_.requests[1].body), json({{"dry_run", false}}));
}

TEST_F(AirflowActionsTest, RestartComponentWithoutARunIs409AndClearsNothing) {
  http_.Answer(std::string(kApi) + "/dagRuns?order_by=-start_date&limit=1", 200,
               R"({"dag_runs": []})");
  ActionResult r = Run(json::object(), [](AirflowActions& a, const ActionCall& c) {
    return a.RestartComponent(c, "usdcop_l0");
  });
  EXPECT_EQ(r.code, 409);
  EXPECT_EQ(r.body["field"], "layer");
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(AirflowActionsTest, ClearErrorsStartsFromSinceAndListsWhatWasCleared) {
  http_.Answer(std::string(kApi) + "/clearTaskInstances", 200,
               R"({"task_instances": [{"dag_run_id": "r1", "task_id": "load", "state": "failed"},
                                      {"dag_run_id": "r2", "task_id": "check"}]})");
  ActionResult r = Run(json{{"since", "6h"}}, [](AirflowActions& a, const ActionCall& c) {
    return a.ClearErrors(c, "usdcop_l0");
  });
  EXPECT_EQ(r.code, 200) << r.body.dump();
  EXPECT_EQ(r.body["since"], "6h");
  EXPECT_EQ(
      r.body["cleared_task_instances"],
      json::parse(
          R"([{"dag_run_id": "r1", "task_id": "load"}, {"dag_run_id": "r2", "task_id": "check"}])"));
  EXPECT_EQ(r.summary, "cleared 2 failed task instance(s) of usdcop_l0");
  const json sent = json::parse(http_.requests.at(0).body);
  EXPECT_EQ(sent["only_failed"], true);
  EXPECT_EQ(sent["start_date"], FormatTimestamp(*ParseTimestamp("2026-11-25T06:00:00Z")));

  Run(json::object(),
      [](AirflowActions& a, const ActionCall& c) { return a.ClearErrors(c, "usdcop_l0"); });
  EXPECT_EQ(json::parse(http_.requests.at(1).body)["start_date"],
            FormatTimestamp(*ParseTimestamp("2026-11-24T12:00:00Z")))
      << "24 hours by default";
}

}  // namespace
}  // namespace usdcop
