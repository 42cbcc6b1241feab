#include "sources/airflow_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_http.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;

TEST(ParseDagRuns, ReadsAirflow2Runs) {
  auto runs = ParseDagRuns(R"({"dag_runs": [
    {"dag_run_id": "manual__2026-11-24T13:05:00+00:00", "state": "running",
     "start_date": "2026-11-24T13:05:01.5+00:00", "end_date": null, "conf": {}},
    {"dag_run_id": "scheduled__1", "state": "success", "start_date": "2026-11-24T13:00:00+00:00",
     "end_date": "2026-11-24T13:01:00Z"},
    {"dag_run_id": "queued__1", "state": "queued", "start_date": null}],
    "total_entries": 3})");
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].state, "running");
  EXPECT_FALSE((*runs)[0].end);
  EXPECT_DOUBLE_EQ(ToUnixSeconds(*(*runs)[1].end) - ToUnixSeconds(*(*runs)[1].start), 60);
  EXPECT_FALSE((*runs)[2].start);
}

TEST(ParseDagRuns, RejectsWhatIsNotAirflowsShape) {
  for (const char* body :
       {"{\"dag_runs\": [", "[]", "{\"dag_runs\": {}}", "{\"dag_runs\": [{\"state\": \"x\"}]}",
        "{\"dag_runs\": [{\"dag_run_id\": \"a\", \"state\": \"success\", \"start_date\": "
        "\"noon\"}]}"}) {
    auto runs = ParseDagRuns(body);
    ASSERT_FALSE(runs.ok()) << body;
    EXPECT_EQ(runs.status().reason(), Reason::kParse) << body;
  }
}

TEST(ParseAirflowHealth, ReadsComponentsAndHeartbeat) {
  auto h = ParseAirflowHealth(R"({"metadatabase": {"status": "healthy"},
    "scheduler": {"status": "unhealthy", "latest_scheduler_heartbeat": "2026-11-24T13:05:00+00:00"},
    "triggerer": {"status": null, "latest_triggerer_heartbeat": null}})");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->components.size(), 3u);
  EXPECT_TRUE(h->components[0].healthy);
  EXPECT_FALSE(h->components[1].healthy);
  EXPECT_FALSE(h->components[2].healthy);
  EXPECT_DOUBLE_EQ(ToUnixSeconds(*h->scheduler_heartbeat), 1795525500);
  EXPECT_EQ(ParseAirflowHealth("{}").status().reason(), Reason::kParse);
}

TEST(ParseXcomNumber, TakesV1StringsAndV2Numbers) {
  EXPECT_DOUBLE_EQ(*ParseXcomNumber(R"({"key": "records", "value": "60"})"), 60);
  EXPECT_DOUBLE_EQ(*ParseXcomNumber(R"({"key": "records", "value": 61})"), 61);
  EXPECT_FALSE(ParseXcomNumber(R"({"value": "sixty"})").ok());
  EXPECT_FALSE(ParseXcomNumber(R"({"value": "60abc"})").ok());
  EXPECT_FALSE(ParseXcomNumber(R"({"key": "records"})").ok());
}

AirflowConfig Config(AirflowConfig::Api api) {
  return AirflowConfig{"http://af", api, "admin", Secret("pw"), Secret()};
}

TEST(AirflowClient, V2LogsInOnceAndAgainWhenTheTokenExpires) {
  FakeHttp http;
  int logins = 0;
  http.On("http://af/auth/token", [&](const HttpRequest& r) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_THAT(r.body, HasSubstr("\"password\":\"pw\""));
    return Result<HttpResponse>(
        HttpResponse{201, "{\"access_token\": \"tok" + std::to_string(++logins) + "\"}"});
  });
  const std::string runs_url = "http://af/api/v2/dags/d/dagRuns?order_by=-start_date&limit=5";
  http.On(runs_url, [](const HttpRequest& r) {
    bool current = r.bearer_token && r.bearer_token->reveal() == "tok2";
    bool first = r.bearer_token && r.bearer_token->reveal() == "tok1";
    return Result<HttpResponse>(HttpResponse{current || first ? 200L : 401L, "{\"dag_runs\": []}"});
  });
  AirflowClient client(Config(AirflowConfig::Api::kV2), http);
  auto deadline = Deadline::After(std::chrono::seconds(5));
  ASSERT_TRUE(client.ListRuns("d", 5, deadline).ok());
  ASSERT_TRUE(client.ListRuns("d", 5, deadline).ok());
  EXPECT_EQ(logins, 1);
  // The server forgets tok1: the client logs in again, once, and carries on.
  http.On(runs_url, [](const HttpRequest& r) {
    bool ok = r.bearer_token && r.bearer_token->reveal() == "tok2";
    return Result<HttpResponse>(HttpResponse{ok ? 200L : 401L, "{\"dag_runs\": []}"});
  });
  ASSERT_TRUE(client.ListRuns("d", 5, deadline).ok());
  EXPECT_EQ(logins, 2);
}

TEST(AirflowClient, V1SendsBasicAuthAndReports401AsHttpStatus) {
  FakeHttp http;
  http.Answer("http://af/api/v1/dags/my.dag/dagRuns?order_by=-start_date&limit=3", 401, "{}");
  AirflowClient client(Config(AirflowConfig::Api::kV1), http);
  auto runs = client.ListRuns("my.dag", 3, Deadline::After(std::chrono::seconds(5)));
  ASSERT_FALSE(runs.ok());
  EXPECT_EQ(runs.status().reason(), Reason::kHttpStatus);
  EXPECT_THAT(runs.status().message(),
              HasSubstr("answered HTTP 401 (check the Airflow credentials)"));
  EXPECT_THAT(runs.status().message(), ::testing::Not(HasSubstr("pw")));
  ASSERT_EQ(http.requests.size(), 1u);
  ASSERT_TRUE(http.requests[0].basic_auth);
  EXPECT_EQ(http.requests[0].basic_auth->first, "admin");
}

TEST(AirflowClient, XcomPathIsEscapedAnd404MeansNoValue) {
  FakeHttp http;
  http.Answer(
      "http://af/api/v1/dags/d/dagRuns/manual__2026-11-24T13%3A05%3A00%2B00%3A00/taskInstances/"
      "report/"
      "xcomEntries/records",
      200, R"({"value": "60"})");
  AirflowClient client(Config(AirflowConfig::Api::kV1), http);
  auto deadline = Deadline::After(std::chrono::seconds(5));
  auto v =
      client.XcomNumber("d", "manual__2026-11-24T13:05:00+00:00", {"report", "records"}, deadline);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(**v, 60);
  auto none = client.XcomNumber("d", "other", {"report", "records"}, deadline);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
}

}  // namespace
}  // namespace usdcop
