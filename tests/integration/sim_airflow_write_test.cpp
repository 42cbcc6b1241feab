// pipeline-sim's Airflow write calls, in API v1 (Airflow 2.8, basic auth) and v2 (Airflow 3, bearer
// tokens): trigger a DAG run, clear a run, clear task instances; their errors (404, 409, a refused
// body, 401 and the API faults), dry runs and the only_failed selection, the progression of a
// queued run with and without --auto, and the record of the calls at /sim/airflow/actions. Every
// wait is bounded.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/sim_json.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct Reply {
  int status = 0;  // 0: the request failed
  json body;       // null when the answer is not JSON
  std::string text;
};

enum class Auth { kValid, kNone, kWrong };

std::string Id(const json& run) { return run.value("dag_run_id", ""); }

// A time either version wrote ("...+00:00" or "...Z") as Unix seconds.
std::optional<std::time_t> Seconds(const json& time) {
  if (!time.is_string()) return std::nullopt;
  std::string text = time;
  if (text.size() > 6 && text.compare(text.size() - 6, 6, "+00:00") == 0)
    text.replace(text.size() - 6, 6, "Z");
  return UnixSeconds(json(text));
}

// Parameterized by the API version, "v1" or "v2".
class SimAirflowWriteIT : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { stack_.StartSim(); }

  bool V1() const { return GetParam() == "v1"; }
  // DAG `layer`'s API prefix: /api/vN/dags/<dag>.
  std::string Dag(size_t layer = 1) const {
    return "/api/" + GetParam() + "/dags/" + kDagIds[layer];
  }
  // A refused body: 400 in Airflow 2, 422 in Airflow 3 (FastAPI).
  int BadBody() const { return V1() ? 400 : 422; }
  // How the version writes a time: "+00:00" (Python's isoformat) or "Z".
  std::string Zone() const { return V1() ? "+00:00" : "Z"; }

  Reply Send(const std::string& method, const std::string& path, const std::string& body,
             Auth auth) {
    std::string token = auth == Auth::kValid && !V1() ? Token() : "";
    httplib::Client client("127.0.0.1", stack_.sim_port());
    client.set_connection_timeout(5s);
    client.set_read_timeout(10s);
    if (auth == Auth::kValid && V1()) client.set_basic_auth("admin", kPlantedPassword);
    if (auth == Auth::kValid && !V1()) client.set_bearer_token_auth(token);
    if (auth == Auth::kWrong && V1()) client.set_basic_auth("admin", "not-the-password");
    if (auth == Auth::kWrong && !V1()) client.set_bearer_token_auth("not-a-token");
    auto res = method == "GET" ? client.Get(path) : client.Post(path, body, "application/json");
    Reply reply;
    if (!res) return reply;
    reply.status = res->status;
    reply.text = res->body;
    reply.body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (reply.body.is_discarded()) reply.body = nullptr;
    return reply;
  }
  Reply Post(const std::string& path, const std::string& body, Auth auth = Auth::kValid) {
    return Send("POST", path, body, auth);
  }
  Reply Get(const std::string& path) { return Send("GET", path, "", Auth::kValid); }

  // An API v2 token (one per test, issued before any fault is set).
  std::string Token() {
    if (!token_.empty()) return token_;
    std::string response;
    int status =
        HttpPost(stack_.sim_port(), "/auth/token",
                 json{{"username", "admin"}, {"password", kPlantedPassword}}.dump(), &response);
    EXPECT_EQ(status, 201) << response;
    json body = json::parse(response, nullptr, false);
    token_ = body.is_object() ? body.value("access_token", "") : "";
    return token_;
  }

  // The run as the version lists it; null when it is not listed.
  json Run(const std::string& run_id, size_t layer = 1) {
    Reply list = Get(Dag(layer) + "/dagRuns?order_by=-id&limit=100");
    EXPECT_EQ(list.status, 200) << list.text;
    if (!list.body.is_object()) return nullptr;
    for (const json& run : list.body.value("dag_runs", json::array()))
      if (run.value("dag_run_id", "") == run_id) return run;
    return nullptr;
  }
  // Adds a run through the control endpoint, started `offset_seconds` from now (its logical date
  // too); the run in v1's shape.
  json AddRun(const std::string& state, int offset_seconds, size_t layer = 1) {
    std::string response;
    int status = HttpPost(stack_.sim_port(), "/sim/airflow/dags/" + kDagIds[layer] + "/runs",
                          json{{"state", state},
                               {"start_offset_seconds", offset_seconds},
                               {"duration_seconds", 1},
                               {"records", 7}}
                              .dump(),
                          &response);
    EXPECT_EQ(status, 200) << response;
    return json::parse(response, nullptr, false);
  }
  json Actions() {
    std::string response;
    EXPECT_EQ(HttpGetStatus(stack_.sim_port(), "/sim/airflow/actions", &response), 200) << response;
    return json::parse(response, nullptr, false);
  }
  // The dag_run_ids of a clear's task_instances.
  static std::set<std::string> ClearedRuns(const json& answer) {
    std::set<std::string> ids;
    if (!answer.is_object()) return ids;
    for (const json& ti : answer.value("task_instances", json::array())) ids.insert(Id(ti));
    return ids;
  }

  Stack stack_;
  std::string token_;
};

INSTANTIATE_TEST_SUITE_P(Api, SimAirflowWriteIT, ::testing::Values("v1", "v2"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

TEST_P(SimAirflowWriteIT, TriggerCreatesAQueuedManualRunWithItsConfAndNote) {
  json body = {{"dag_run_id", "it-run-1"},
               {"logical_date", "2026-01-02T03:04:05Z"},
               {"conf", {{"reason", "test"}}},
               {"note", "triggered by a test"}};
  Reply reply = Post(Dag() + "/dagRuns", body.dump());
  ASSERT_EQ(reply.status, 200) << reply.text;
  const json& run = reply.body;
  EXPECT_EQ(run["dag_id"], kDagIds[1]);
  EXPECT_EQ(run["dag_run_id"], "it-run-1");
  EXPECT_EQ(run["state"], "queued");
  EXPECT_EQ(run["run_type"], "manual");
  EXPECT_EQ(run["conf"], json({{"reason", "test"}}));
  EXPECT_EQ(run["note"], "triggered by a test");
  EXPECT_EQ(run["logical_date"], "2026-01-02T03:04:05" + Zone());
  EXPECT_EQ(run["data_interval_start"], "2026-01-02T03:04:05" + Zone());
  EXPECT_EQ(run["data_interval_end"], "2026-01-02T03:04:05" + Zone());
  EXPECT_TRUE(run["start_date"].is_null()) << run.dump();
  EXPECT_TRUE(run["end_date"].is_null()) << run.dump();
  if (V1()) {
    EXPECT_EQ(run["execution_date"], run["logical_date"]);
    EXPECT_EQ(run["external_trigger"], true);
  } else {
    EXPECT_EQ(run["triggered_by"], "rest_api");
    EXPECT_EQ(run["run_after"],
              run["logical_date"]);  // the manual data interval ends at the logical date
  }
  json listed = Run("it-run-1");
  ASSERT_TRUE(listed.is_object());
  EXPECT_EQ(listed["state"], "queued");
  EXPECT_EQ(listed["conf"], run["conf"]);
  EXPECT_EQ(listed["note"], run["note"]);
}

TEST_P(SimAirflowWriteIT, TriggerDefaultsTheRunIdFromTheLogicalDate) {
  // v1 defaults the logical date to now; v2 needs the key, and null means none.
  Reply reply = Post(Dag() + "/dagRuns", V1() ? "{}" : R"({"logical_date": null})");
  ASSERT_EQ(reply.status, 200) << reply.text;
  const json& run = reply.body;
  EXPECT_EQ(run["conf"], json::object());
  EXPECT_TRUE(run["note"].is_null());
  const std::string id = Id(run);
  EXPECT_EQ(id.rfind("manual__", 0), 0u) << id;
  if (V1()) {
    ASSERT_TRUE(run["logical_date"].is_string()) << run.dump();
    EXPECT_EQ(id, "manual__" + run["logical_date"].get<std::string>());
  } else {
    EXPECT_TRUE(run["logical_date"].is_null()) << run.dump();
    EXPECT_TRUE(run["data_interval_start"].is_null()) << run.dump();
    auto after = Seconds(run["run_after"]);
    ASSERT_TRUE(after) << run.dump();
    EXPECT_LE(std::abs(*after - std::time(nullptr)), 60);
  }
  // The id has ':' and '+': the run is still reachable by it in a path.
  Reply cleared = Post(Dag() + "/dagRuns/" + id + "/clear", R"({"dry_run": true})");
  EXPECT_EQ(cleared.status, 200) << cleared.text;
  EXPECT_EQ(ClearedRuns(cleared.body), std::set<std::string>{id});
}

TEST_P(SimAirflowWriteIT, TriggerAnswers409WhenTheRunIdOrLogicalDateIsTaken) {
  ASSERT_EQ(
      Post(Dag() + "/dagRuns", R"({"dag_run_id": "dup", "logical_date": "2026-01-02T00:00:00Z"})")
          .status,
      200);
  Reply same_id =
      Post(Dag() + "/dagRuns", R"({"dag_run_id": "dup", "logical_date": "2026-01-03T00:00:00Z"})");
  Reply same_date = Post(Dag() + "/dagRuns",
                         R"({"dag_run_id": "other", "logical_date": "2026-01-02T00:00:00+00:00"})");
  EXPECT_EQ(same_id.status, 409) << same_id.text;
  EXPECT_EQ(same_date.status, 409) << same_date.text;
  if (V1()) {
    EXPECT_EQ(same_id.body["title"], "Conflict");
    EXPECT_EQ(same_id.body["status"], 409);
    EXPECT_EQ(same_id.body["type"],
              "https://airflow.apache.org/docs/apache-airflow/2.8.0/"
              "stable-rest-api-ref.html#section/Errors/AlreadyExists");
    EXPECT_EQ(same_id.body["detail"],
              "DAGRun with DAG ID: '" + kDagIds[1] + "' and DAGRun ID: 'dup' already exists");
    EXPECT_EQ(same_date.body["detail"],
              "DAGRun with DAG ID: '" + kDagIds[1] +
                  "' and DAGRun logical date: '2026-01-02 00:00:00+00:00' already exists");
  } else {
    EXPECT_EQ(same_id.body["detail"]["reason"], "Unique constraint violation") << same_id.text;
    EXPECT_EQ(same_date.body["detail"]["reason"], "Unique constraint violation") << same_date.text;
  }
  EXPECT_TRUE(Run("other").is_null());
  EXPECT_EQ(Get(Dag() + "/dagRuns").body["total_entries"], 1);
}

TEST_P(SimAirflowWriteIT, TriggerAnswers404ForAnUnknownDag) {
  Reply reply = Post("/api/" + GetParam() + "/dags/no_such_dag/dagRuns",
                     V1() ? "{}" : R"({"logical_date": null})");
  ASSERT_EQ(reply.status, 404) << reply.text;
  if (V1()) {
    EXPECT_EQ(reply.body["title"], "DAG not found");
    EXPECT_EQ(reply.body["status"], 404);
    EXPECT_EQ(reply.body["detail"], "DAG with dag_id: 'no_such_dag' not found");
  } else {
    EXPECT_TRUE(reply.body["detail"].is_string()) << reply.text;
  }
}

TEST_P(SimAirflowWriteIT, TriggerRefusesAMalformedBody) {
  const std::string date = V1() ? "" : R"("logical_date": null, )";
  for (const std::string& body :
       {"{" + date + R"("conf": "not an object"})", "{" + date + R"("surprise": 1})",
        "{" + date + R"("dag_run_id": 42})", "{" + date + R"("dag_run_id": "has space"})",
        "{" + date + R"("note": ["a"]})", std::string(R"({"logical_date": "2026-01-02T00:00:00"})"),
        std::string(R"({"logical_date": "yesterday"})"), std::string("not json"),
        std::string("[1, 2]"), std::string("")}) {
    Reply reply = Post(Dag() + "/dagRuns", body);
    EXPECT_EQ(reply.status, BadBody()) << body << " -> " << reply.text;
    if (V1()) {
      EXPECT_EQ(reply.body["title"], "Bad Request") << reply.text;
    } else {
      EXPECT_TRUE(reply.body["detail"].is_array()) << reply.text;
    }
  }
  if (V1()) {
    Reply conflicting = Post(Dag() + "/dagRuns", R"({"logical_date": "2026-01-02T00:00:00Z",
                                                    "execution_date": "2026-01-03T00:00:00Z"})");
    EXPECT_EQ(conflicting.status, 400) << conflicting.text;
  } else {
    Reply missing = Post(Dag() + "/dagRuns", R"({"dag_run_id": "x"})");
    EXPECT_EQ(missing.status, 422) << missing.text;
    EXPECT_EQ(missing.body["detail"][0]["loc"], json({"body", "logical_date"})) << missing.text;
    Reply half_interval =
        Post(Dag() + "/dagRuns",
             R"({"logical_date": null, "data_interval_start": "2026-01-02T00:00:00Z"})");
    EXPECT_EQ(half_interval.status, 422) << half_interval.text;
  }
  EXPECT_EQ(Get(Dag() + "/dagRuns").body["total_entries"], 0);
}

TEST_P(SimAirflowWriteIT, WriteCallsNeedCredentialsAndObeyTheApiFaults) {
  const std::string run_id = Id(AddRun("failed", -60));
  const std::string trigger = V1() ? "{}" : R"({"logical_date": null})";
  const std::vector<std::pair<std::string, std::string>> calls = {
      {Dag() + "/dagRuns", trigger},
      {Dag() + "/dagRuns/" + run_id + "/clear", R"({"dry_run": true})"},
      {Dag() + "/clearTaskInstances", R"({"dry_run": true})"}};
  Token();  // before the unauthorized fault, which /auth/token obeys too
  for (const auto& [path, body] : calls) {
    EXPECT_EQ(Post(path, body, Auth::kNone).status, 401) << path;
    EXPECT_EQ(Post(path, body, Auth::kWrong).status, 401) << path;
  }
  stack_.Sim("/sim/airflow/fault", R"({"fault": "unauthorized"})");
  for (const auto& [path, body] : calls) EXPECT_EQ(Post(path, body).status, 401) << path;
  stack_.Sim("/sim/airflow/fault", R"({"fault": "server_error"})");
  for (const auto& [path, body] : calls) EXPECT_EQ(Post(path, body).status, 500) << path;
  stack_.Sim("/sim/airflow/fault", R"({"fault": "garbage"})");
  for (const auto& [path, body] : calls) {
    Reply reply = Post(path, body);
    EXPECT_EQ(reply.status, 200) << path;
    EXPECT_TRUE(reply.body.is_null()) << reply.text;  // truncated JSON
  }
  EXPECT_EQ(Actions(), json::array());                  // none of them got past the gate
  EXPECT_TRUE(Get(Dag() + "/dagRuns").body.is_null());  // garbage still on
  stack_.Sim("/sim/airflow/fault", R"({"fault": "hang", "hang_seconds": 1})");
  auto start = std::chrono::steady_clock::now();
  Reply hung = Post(calls[0].first, calls[0].second);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_EQ(hung.status, 200) << hung.text;  // answered normally once the hang is over
  stack_.Sim("/sim/airflow/fault", R"({"fault": "none"})");
  EXPECT_EQ(Actions().size(), 1u);
}

TEST_P(SimAirflowWriteIT, ClearingARunQueuesItAgain) {
  const std::string id = Id(AddRun("failed", -60));
  Reply reply = Post(Dag() + "/dagRuns/" + id + "/clear", R"({"dry_run": false})");
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(reply.body["dag_run_id"], id);
  EXPECT_EQ(reply.body["state"], "queued");
  EXPECT_TRUE(reply.body["end_date"].is_null()) << reply.text;
  EXPECT_TRUE(reply.body["start_date"].is_null()) << reply.text;
  EXPECT_EQ(Run(id)["state"], "queued");
  // The records XCom goes with the cleared task.
  std::string xcom = Dag() + "/dagRuns/" + id + "/taskInstances/report/xcomEntries/records";
  EXPECT_EQ(Get(xcom).status, 404);
}

TEST_P(SimAirflowWriteIT, ADryRunClearListsTheTaskAndChangesNothing) {
  const json failed = AddRun("failed", -60);
  const std::string id = Id(failed);
  for (const char* body :
       {R"({"dry_run": true})", "{}"}) {  // dry_run defaults to true, as in Airflow
    Reply reply = Post(Dag() + "/dagRuns/" + id + "/clear", body);
    ASSERT_EQ(reply.status, 200) << reply.text;
    ASSERT_EQ(reply.body["task_instances"].size(), 1u) << reply.text;
    const json& ti = reply.body["task_instances"][0];
    EXPECT_EQ(ti["task_id"], "report");
    EXPECT_EQ(ti["dag_id"], kDagIds[1]);
    EXPECT_EQ(ti["dag_run_id"], id);
    if (V1()) {
      EXPECT_EQ(ti["execution_date"], failed["logical_date"]);
    } else {
      EXPECT_EQ(Seconds(ti["logical_date"]), Seconds(failed["logical_date"]));
      EXPECT_EQ(ti["state"], "failed");
      EXPECT_EQ(reply.body["total_entries"], 1);
    }
    EXPECT_EQ(Run(id)["state"], "failed");
  }
}

TEST_P(SimAirflowWriteIT, ClearingARunAnswers404AndRefusesAMalformedBody) {
  const std::string id = Id(AddRun("failed", -60));
  Reply no_run = Post(Dag() + "/dagRuns/no-such-run/clear", R"({"dry_run": false})");
  EXPECT_EQ(no_run.status, 404) << no_run.text;
  Reply no_dag = Post("/api/" + GetParam() + "/dags/no_such_dag/dagRuns/" + id + "/clear",
                      R"({"dry_run": false})");
  EXPECT_EQ(no_dag.status, 404) << no_dag.text;
  if (V1()) {
    EXPECT_EQ(no_run.body["detail"], "Dag Run id no-such-run not found in dag " + kDagIds[1]);
  } else {
    EXPECT_EQ(no_run.body["detail"], "The DagRun with dag_id: `" + kDagIds[1] +
                                         "` and run_id: `no-such-run` was not found");
  }
  for (const char* body : {R"({"dry_run": "no"})", R"({"dry_run": false, "extra": 1})", "", "[]"})
    EXPECT_EQ(Post(Dag() + "/dagRuns/" + id + "/clear", body).status, BadBody()) << body;
  // only_failed is Airflow 3's only: v1 refuses it, v2 clears nothing of a successful run with it.
  const std::string ok = Id(AddRun("success", -30));
  Reply only_failed =
      Post(Dag() + "/dagRuns/" + ok + "/clear", R"({"dry_run": false, "only_failed": true})");
  EXPECT_EQ(only_failed.status, V1() ? 400 : 200) << only_failed.text;
  EXPECT_EQ(Run(ok)["state"], "success");
  EXPECT_EQ(Run(id)["state"], "failed");
}

TEST_P(SimAirflowWriteIT, ClearTaskInstancesPicksOnlyFailedRunsByDefault) {
  const std::string ok = Id(AddRun("success", -300));
  const std::string failed1 = Id(AddRun("failed", -200));
  const std::string failed2 = Id(AddRun("failed", -100));
  const std::string running = Id(AddRun("running", -50));
  // Dry run by default: lists, changes nothing.
  Reply dry = Post(Dag() + "/clearTaskInstances", "{}");
  ASSERT_EQ(dry.status, 200) << dry.text;
  EXPECT_EQ(ClearedRuns(dry.body), (std::set<std::string>{failed1, failed2}));
  EXPECT_EQ(Run(failed1)["state"], "failed");
  Reply all = Post(Dag() + "/clearTaskInstances", R"({"only_failed": false})");
  EXPECT_EQ(ClearedRuns(all.body), (std::set<std::string>{ok, failed1, failed2, running}));
  Reply only_running =
      Post(Dag() + "/clearTaskInstances", R"({"only_failed": false, "only_running": true})");
  EXPECT_EQ(ClearedRuns(only_running.body), std::set<std::string>{running});

  Reply cleared =
      Post(Dag() + "/clearTaskInstances", R"({"dry_run": false, "reset_dag_runs": true})");
  ASSERT_EQ(cleared.status, 200) << cleared.text;
  EXPECT_EQ(ClearedRuns(cleared.body), (std::set<std::string>{failed1, failed2}));
  EXPECT_EQ(Run(failed1)["state"], "queued");
  EXPECT_EQ(Run(failed2)["state"], "queued");
  EXPECT_EQ(Run(ok)["state"], "success");
  EXPECT_EQ(Run(running)["state"], "running");
}

TEST_P(SimAirflowWriteIT, ClearTaskInstancesResetsTheRunsAsEachVersionDefaults) {
  const std::string failed = Id(AddRun("failed", -60));
  // Airflow 2.8's reset_dag_runs defaults to false (the run keeps its state), Airflow 3's to true.
  Reply cleared = Post(Dag() + "/clearTaskInstances", R"({"dry_run": false})");
  ASSERT_EQ(cleared.status, 200) << cleared.text;
  EXPECT_EQ(ClearedRuns(cleared.body), std::set<std::string>{failed});
  EXPECT_EQ(Run(failed)["state"], V1() ? "failed" : "queued");
}

TEST_P(SimAirflowWriteIT, ClearTaskInstancesSelectsByRunIdOrLogicalDate) {
  const json first = AddRun("failed", -300);
  const json middle = AddRun("failed", -200);
  const json last = AddRun("failed", -100);
  // The bounds are on the logical date (here the start the control endpoint gave each run).
  json by_date = {{"only_failed", false},
                  {"start_date", middle["logical_date"]},
                  {"end_date", middle["logical_date"]}};
  Reply dated = Post(Dag() + "/clearTaskInstances", by_date.dump());
  ASSERT_EQ(dated.status, 200) << dated.text;
  EXPECT_EQ(ClearedRuns(dated.body), std::set<std::string>{Id(middle)});
  json from_middle = {{"start_date", middle["logical_date"]}};
  EXPECT_EQ(ClearedRuns(Post(Dag() + "/clearTaskInstances", from_middle.dump()).body),
            (std::set<std::string>{Id(middle), Id(last)}));
  json by_id = {{"dag_run_id", Id(first)}, {"dry_run", false}, {"reset_dag_runs", true}};
  Reply one = Post(Dag() + "/clearTaskInstances", by_id.dump());
  ASSERT_EQ(one.status, 200) << one.text;
  EXPECT_EQ(ClearedRuns(one.body), std::set<std::string>{Id(first)});
  EXPECT_EQ(Run(Id(first))["state"], "queued");
  EXPECT_EQ(Run(Id(middle))["state"], "failed");

  EXPECT_EQ(Post(Dag() + "/clearTaskInstances", R"({"dag_run_id": "no-such-run"})").status, 404);
  EXPECT_EQ(Post("/api/" + GetParam() + "/dags/no_such_dag/clearTaskInstances", "{}").status, 404);
  for (const char* body :
       {R"({"only_failed": true, "only_running": true})",
        R"({"start_date": "2026-01-02T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"})",
        R"({"dag_run_id": "x", "start_date": "2026-01-01T00:00:00Z"})",
        R"({"start_date": "2026-01-01"})", R"({"task_ids": ["report"]})", R"({"dry_run": 0})",
        ""}) {
    EXPECT_EQ(Post(Dag() + "/clearTaskInstances", body).status, BadBody()) << body;
  }
}

TEST_P(SimAirflowWriteIT, WithAutoATriggeredRunRunsAndSucceedsAndRunsAgainOnceCleared) {
  // Speed 300: DAG L1's period is 12 s, so its runs stay running 2.4 s.
  stack_.StartSim({"--auto", "--speed", "300"});
  token_.clear();
  Reply trigger =
      Post(Dag() + "/dagRuns", V1() ? R"({"dag_run_id": "it-auto"})"
                                    : R"({"dag_run_id": "it-auto", "logical_date": null})");
  ASSERT_EQ(trigger.status, 200) << trigger.text;
  std::set<std::string> seen;
  json run;
  auto finished = [&] {
    run = Run("it-auto");
    seen.insert(run.value("state", "?"));
    return run.value("state", "") == "success";
  };
  ASSERT_TRUE(Eventually(finished, 15s)) << run.dump();
  EXPECT_TRUE(seen.count("running")) << run.dump();
  auto started = Seconds(run["start_date"]);
  auto ended = Seconds(run["end_date"]);
  ASSERT_TRUE(started && ended) << run.dump();
  EXPECT_GE(*ended - *started, 1);  // 2.4 s, in whole seconds
  EXPECT_LE(*ended - *started, 4);
  Reply xcom = Get(Dag() + "/dagRuns/it-auto/taskInstances/report/xcomEntries/records");
  ASSERT_EQ(xcom.status, 200) << xcom.text;
  EXPECT_EQ(xcom.body["value"], V1() ? json("60") : json(60));

  Reply cleared = Post(Dag() + "/dagRuns/it-auto/clear", R"({"dry_run": false})");
  ASSERT_EQ(cleared.status, 200) << cleared.text;
  EXPECT_EQ(cleared.body["state"], "queued");
  ASSERT_TRUE(Eventually(finished, 15s)) << run.dump();
  EXPECT_EQ(Get(Dag() + "/dagRuns/it-auto/taskInstances/report/xcomEntries/records").status, 200);
}

TEST_P(SimAirflowWriteIT, WithoutAutoATriggeredRunStaysQueuedUntilTheControlEndpointMovesIt) {
  Reply trigger =
      Post(Dag() + "/dagRuns", V1() ? R"({"dag_run_id": "it-waits"})"
                                    : R"({"dag_run_id": "it-waits", "logical_date": null})");
  ASSERT_EQ(trigger.status, 200) << trigger.text;
  std::this_thread::sleep_for(500ms);  // several --auto ticks, had it been on
  EXPECT_EQ(Run("it-waits")["state"], "queued");
  stack_.Sim("/sim/airflow/dags/" + kDagIds[1] + "/state", R"({"state": "running"})");
  EXPECT_EQ(Run("it-waits")["state"], "running");
  stack_.Sim("/sim/airflow/dags/" + kDagIds[1] + "/state",
             R"({"state": "success", "records": 12})");
  EXPECT_EQ(Run("it-waits")["state"], "success");
}

TEST_P(SimAirflowWriteIT, ActionsRecordEachWriteCallUntilReset) {
  const std::string failed = Id(AddRun("failed", -60));
  json trigger = {{"dag_run_id", "it-recorded"}, {"conf", {{"k", 1}}}};
  if (!V1()) trigger["logical_date"] = nullptr;
  ASSERT_EQ(Post(Dag() + "/dagRuns", trigger.dump()).status, 200);
  ASSERT_EQ(Post(Dag() + "/dagRuns", trigger.dump()).status, 409);
  ASSERT_EQ(Post(Dag() + "/dagRuns/" + failed + "/clear", R"({"dry_run": true})").status, 200);
  ASSERT_EQ(
      Post(Dag() + "/clearTaskInstances", R"({"dry_run": false, "dag_run_id": ")" + failed + "\"}")
          .status,
      200);
  ASSERT_EQ(Post(Dag() + "/dagRuns", trigger.dump(), Auth::kNone).status, 401);  // not recorded
  ASSERT_EQ(Get(Dag() + "/dagRuns").status, 200);  // reads are not recorded

  json actions = Actions();
  ASSERT_EQ(actions.size(), 4u) << actions.dump();
  const std::string user = V1() ? "admin" : "token";
  const std::string api = "/api/" + GetParam() + "/dags/" + kDagIds[1];
  EXPECT_EQ(actions[0], json({{"method", "POST"},
                              {"path", api + "/dagRuns"},
                              {"dag_id", kDagIds[1]},
                              {"dag_run_id", "it-recorded"},
                              {"user", user},
                              {"body", trigger},
                              {"status", 200}}));
  EXPECT_EQ(actions[1]["status"], 409);
  EXPECT_EQ(actions[2]["path"], api + "/dagRuns/" + failed + "/clear");
  EXPECT_EQ(actions[2]["dag_run_id"], failed);
  EXPECT_EQ(actions[2]["body"], json({{"dry_run", true}}));
  EXPECT_EQ(actions[3]["path"], api + "/clearTaskInstances");
  EXPECT_EQ(actions[3]["dag_run_id"], failed);
  for (const json& action : actions) EXPECT_EQ(action["user"], user);

  stack_.Sim("/sim/reset", "{}");
  EXPECT_EQ(Actions(), json::array());
}

TEST(SimAirflowActionsIT, TheRecordKeepsTheNewest1000Calls) {
  Stack stack;
  stack.StartSim();
  httplib::Client client("127.0.0.1", stack.sim_port());
  client.set_read_timeout(10s);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // headers and body go in two writes: no Nagle delay between them
  client.set_basic_auth("admin", kPlantedPassword);
  const std::string path = "/api/v1/dags/" + kDagIds[0] + "/clearTaskInstances";
  for (int i = 0; i < 1005; ++i) {
    auto res =
        client.Post(path, json{{"dag_run_id", "r" + std::to_string(i)}}.dump(), "application/json");
    ASSERT_TRUE(res) << i;
    ASSERT_EQ(res->status, 404) << res->body;  // no such run: recorded all the same
  }
  std::string response;
  ASSERT_EQ(HttpGetStatus(stack.sim_port(), "/sim/airflow/actions", &response), 200);
  json actions = json::parse(response);
  ASSERT_EQ(actions.size(), 1000u);
  EXPECT_EQ(actions.front()["dag_run_id"], "r5");
  EXPECT_EQ(actions.back()["dag_run_id"], "r1004");
  EXPECT_EQ(actions.back()["status"], 404);
}

}  // namespace
}  // namespace usdcop::testing
