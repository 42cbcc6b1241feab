// actions/alertmanager_actions.cpp: acknowledge-alert, resolve-alert, reset-alerts and
// test-notification against a scripted Alertmanager (FakeHttp), with a real AlertLifecycle on a
// state store in a temporary directory.
#include "actions/alertmanager_actions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/fake_http.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kAm = "http://am:9093";
const std::string kFiringAlerts =
    std::string(kAm) + "/api/v2/alerts?active=true&silenced=false&inhibited=true&unprocessed=false";

json Alert(const std::string& fingerprint, const std::string& alertname) {
  return {{"fingerprint", fingerprint},
          {"labels", {{"alertname", alertname}, {"severity", "critical"}, {"layer", "L0"}}},
          {"startsAt", "2026-11-25T11:50:00Z"}};
}

class AlertmanagerActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(StateStore::Open(dir_.File("state.db"))).value();
    lifecycle_ = std::make_unique<AlertLifecycle>(*store_, log_, clock_);
    ASSERT_TRUE(lifecycle_->Load().ok());
    actions_ = std::make_unique<AlertmanagerActions>(
        AlertmanagerTarget{kAm, "", "monitor", Secret("pw")}, 2h, http_, *lifecycle_, clock_);
  }
  ActionCall Call(const json& params) { return ActionCall{caller_, params, Deadline::After(5s)}; }
  // Answers each POST of a silence with silence-<n>.
  void CreateSilences() {
    http_.On(std::string(kAm) + "/api/v2/silences", [this](const HttpRequest&) {
      return Result<HttpResponse>(
          HttpResponse{200, json{{"silenceID", "silence-" + std::to_string(++silences_)}}.dump()});
    });
  }

  TempDir dir_;
  Logger log_{LogLevel::kError};
  FakeClock clock_{*ParseTimestamp("2026-11-25T12:00:00Z")};
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<AlertLifecycle> lifecycle_;
  FakeHttp http_;
  std::unique_ptr<AlertmanagerActions> actions_;
  Caller caller_{"ops", ControlRole::kOperator};
  int silences_ = 0;
  json params_;
};

TEST_F(AlertmanagerActionsTest, AcknowledgeSilencesTheAlertByAllItsLabelsAndRecordsIt) {
  http_.Answer(kFiringAlerts, 200,
               json::array({Alert("fp1", "L0DataStale"), Alert("fp2", "L0DataGap")}).dump());
  CreateSilences();
  params_ = {{"fingerprint", "fp2"}, {"user", "ana"}, {"comment", "looking"}};
  ActionResult r = actions_->Acknowledge(Call(params_));
  ASSERT_EQ(r.code, 200) << r.body.dump();
  ASSERT_EQ(r.body["acknowledged"].size(), 1u);
  EXPECT_EQ(r.body["acknowledged"][0]["alertname"], "L0DataGap");
  EXPECT_EQ(r.body["acknowledged"][0]["silence_id"], "silence-1");
  EXPECT_EQ(r.body["acknowledged"][0]["ends_at"], "2026-11-25T14:00:00.000000Z")
      << "control.acknowledge_for: 2h";
  EXPECT_EQ(r.summary, "acknowledged 1 alert(s) for 2h for user ana");

  ASSERT_EQ(http_.requests.size(), 2u);
  ASSERT_TRUE(http_.requests[0].basic_auth);
  EXPECT_EQ(http_.requests[0].basic_auth->first, "monitor");
  const json silence = json::parse(http_.requests[1].body);
  EXPECT_EQ(silence["createdBy"], "ops") << "the caller, not the user it acts for";
  EXPECT_EQ(silence["comment"], "acknowledged through usdcop_exporter for ana: looking");
  EXPECT_EQ(silence["matchers"].size(), 3u);
  EXPECT_THAT(silence["matchers"].dump(),
              HasSubstr(R"({"isEqual":true,"isRegex":false,"name":"layer","value":"L0"})"));

  const std::vector<AlertEpisode> acked = lifecycle_->Acknowledged("fp2", "");
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_EQ(acked[0].silence_id, "silence-1");
  EXPECT_TRUE(lifecycle_->Acknowledged("fp1", "").empty());
}

TEST_F(AlertmanagerActionsTest, AnswersWhoseFieldsAreNotTextDoNotThrow) {
  // json::value(key, "") threw for another type (the fuzz target action_answers).
  json odd = Alert("fp1", "L0DataStale");
  odd["startsAt"] = nullptr;
  http_.Answer(
      kFiringAlerts + "&filter=" + UrlEscape("alertname=\"L0DataStale\""), 200,
      json::array({odd, {{"fingerprint", 9}, {"labels", {{"alertname", "L0DataStale"}}}}}).dump());
  http_.Answer(std::string(kAm) + "/api/v2/silences", 200, R"({"silenceID": 42})");
  params_ = {{"alertname", "L0DataStale"}};
  ActionResult r = actions_->Acknowledge(Call(params_));
  ASSERT_EQ(r.code, 200) << r.body.dump();
  ASSERT_EQ(r.body["acknowledged"].size(), 2u);
  EXPECT_EQ(r.body["acknowledged"][0]["silence_id"], "");
  EXPECT_EQ(r.body["acknowledged"][1]["fingerprint"], "");
  params_ = {{"fingerprint", "fp1"}};
  http_.Answer(kFiringAlerts, 200, json::array({{{"fingerprint", 9}}, odd}).dump());
  EXPECT_EQ(actions_->Acknowledge(Call(params_)).code, 200);
}

TEST_F(AlertmanagerActionsTest, AcknowledgeByNameFiltersInAlertmanagerAndTakesADuration) {
  const std::string by_name = kFiringAlerts + "&filter=" + UrlEscape("alertname=\"L0DataStale\"");
  http_.Answer(by_name, 200,
               json::array({Alert("fp1", "L0DataStale"), Alert("fp3", "L0DataStale")}).dump());
  CreateSilences();
  params_ = {{"alertname", "L0DataStale"}, {"duration", "30m"}};
  ActionResult r = actions_->Acknowledge(Call(params_));
  ASSERT_EQ(r.code, 200) << r.body.dump();
  EXPECT_EQ(r.body["acknowledged"].size(), 2u);
  EXPECT_EQ(r.body["acknowledged"][1]["ends_at"], "2026-11-25T12:30:00.000000Z");
  EXPECT_EQ(lifecycle_->Acknowledged("", "L0DataStale").size(), 2u);
}

TEST_F(AlertmanagerActionsTest, AcknowledgeNeedsExactlyOneNameAndAFiringAlert) {
  params_ = json::object();
  EXPECT_EQ(actions_->Acknowledge(Call(params_)).code, 400);
  params_ = {{"fingerprint", "fp1"}, {"alertname", "X"}};
  EXPECT_EQ(actions_->Acknowledge(Call(params_)).code, 400);
  EXPECT_TRUE(http_.requests.empty()) << "nothing asked of Alertmanager";

  http_.Answer(kFiringAlerts, 200, json::array({Alert("fp1", "L0DataStale")}).dump());
  params_ = {{"fingerprint", "nope"}};
  ActionResult none = actions_->Acknowledge(Call(params_));
  EXPECT_EQ(none.code, 404);
  EXPECT_EQ(none.body["error"], "no firing alert with fingerprint nope");

  http_.Answer(kFiringAlerts, 200, R"({"not": "a list"})");
  EXPECT_EQ(actions_->Acknowledge(Call(params_)).code, 502);
  http_.Answer(kFiringAlerts, 500, "boom");
  ActionResult refused = actions_->Acknowledge(Call(params_));
  EXPECT_EQ(refused.code, 502);
  EXPECT_EQ(refused.body["peer_status"], 500);
}

TEST_F(AlertmanagerActionsTest, ResolveExpiresTheAcknowledgementSilencesAndAGoneOneCounts) {
  http_.Answer(kFiringAlerts, 200,
               json::array({Alert("fp1", "L0DataStale"), Alert("fp2", "L0DataGap")}).dump());
  CreateSilences();
  params_ = {{"fingerprint", "fp1"}};
  ASSERT_EQ(actions_->Acknowledge(Call(params_)).code, 200);
  params_ = {{"fingerprint", "fp2"}};
  ASSERT_EQ(actions_->Acknowledge(Call(params_)).code, 200);

  http_.Answer(std::string(kAm) + "/api/v2/silence/silence-1", 404, "");  // expired by hand already
  params_ = {{"alertname", "L0DataStale"}};
  ActionResult r = actions_->Resolve(Call(params_));
  ASSERT_EQ(r.code, 200) << r.body.dump();
  EXPECT_EQ(r.body["expired"], json::parse(R"([{"alertname": "L0DataStale", "fingerprint": "fp1",
                                                 "silence_id": "silence-1"}])"));
  EXPECT_EQ(http_.requests.back().method, "DELETE");
  EXPECT_TRUE(lifecycle_->Acknowledged("fp1", "").empty());
  EXPECT_EQ(lifecycle_->Acknowledged("fp2", "").size(), 1u) << "the other alert stays acknowledged";

  EXPECT_EQ(actions_->Resolve(Call(params_)).code, 404) << "nothing acknowledged left";
  params_ = {{"fingerprint", "fp2"}, {"silence_id", "silence-2"}};
  EXPECT_EQ(actions_->Resolve(Call(params_)).code, 400);
}

TEST_F(AlertmanagerActionsTest, ResolveBySilenceIdExpiresASilenceMadeElsewhere) {
  http_.Answer(std::string(kAm) + "/api/v2/silence/abc-123", 200, "");
  params_ = {{"silence_id", "abc-123"}};
  ActionResult r = actions_->Resolve(Call(params_));
  EXPECT_EQ(r.code, 200) << r.body.dump();
  EXPECT_EQ(r.body["expired"][0]["silence_id"], "abc-123");

  http_.Answer(std::string(kAm) + "/api/v2/silence/abc-123", 500, R"({"error": "cannot expire"})");
  ActionResult refused = actions_->Resolve(Call(params_));
  EXPECT_EQ(refused.code, 502);
  EXPECT_THAT(refused.body["error"].get<std::string>(), HasSubstr("cannot expire"));
}

TEST_F(AlertmanagerActionsTest, ResetExpiresEveryAcknowledgementOrThoseOfOneName) {
  http_.Answer(kFiringAlerts, 200,
               json::array({Alert("fp1", "A"), Alert("fp2", "B"), Alert("fp3", "B")}).dump());
  CreateSilences();
  for (const char* fp : {"fp1", "fp2", "fp3"}) {
    params_ = {{"fingerprint", fp}};
    ASSERT_EQ(actions_->Acknowledge(Call(params_)).code, 200);
  }
  for (int i = 1; i <= 3; ++i)
    http_.Answer(std::string(kAm) + "/api/v2/silence/silence-" + std::to_string(i), 200, "");
  params_ = {{"alertname", "B"}};
  EXPECT_EQ(actions_->Reset(Call(params_)).body["expired"].size(), 2u);
  EXPECT_EQ(lifecycle_->Acknowledged("", "").size(), 1u);
  params_ = json::object();
  ActionResult all = actions_->Reset(Call(params_));
  EXPECT_EQ(all.body["expired"].size(), 1u);
  EXPECT_EQ(all.summary, "expired 1 acknowledgement silence(s)");
  EXPECT_TRUE(lifecycle_->Acknowledged("", "").empty());
}

TEST_F(AlertmanagerActionsTest, TestNotificationPostsAFiveMinuteAlertOfTheSeverity) {
  http_.Answer(std::string(kAm) + "/api/v2/alerts", 200, "");
  params_ = {{"severity", "critical"}};
  ActionResult r = actions_->TestNotification(Call(params_));
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.summary, "posted a critical test alert");
  ASSERT_EQ(http_.requests.size(), 1u);
  const json sent = json::parse(http_.requests[0].body);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["labels"]["alertname"], "UsdcopTestNotification");
  EXPECT_EQ(sent[0]["labels"]["severity"], "critical");
  EXPECT_EQ(sent[0]["labels"]["requested_by"], "ops");
  EXPECT_EQ(sent[0]["startsAt"], "2026-11-25T12:00:00.000000Z");
  EXPECT_EQ(sent[0]["endsAt"], "2026-11-25T12:05:00.000000Z");

  params_ = json::object();
  http_.On(std::string(kAm) + "/api/v2/alerts", [](const HttpRequest&) {
    return Result<HttpResponse>(Status(Reason::kTimeout, "deadline passed"));
  });
  ActionResult late = actions_->TestNotification(Call(params_));
  EXPECT_EQ(late.code, 504);
  EXPECT_THAT(late.body["error"].get<std::string>(), HasSubstr("post a test alert failed"));
}

}  // namespace
}  // namespace usdcop
