#include "probes/alertmanager/alertmanager_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/fake_http.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPlantedPassword = "planted-AM-pw-unit-4b1e";
const std::string kAlertsUrl =
    "http://am.test/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true";
const std::string kReceiversUrl = "http://am.test/api/v2/receivers";
const std::string kStatusUrl = "http://am.test/api/v2/status";

// Four alerts in every state Alertmanager reports, as its API v2 spells them: one firing, one
// silenced, one inhibited by the first, one just received; the last has no severity label.
constexpr const char* kAlerts = R"([
  {"annotations": {"summary": "L0 failed", "description": "d"}, "endsAt": "2026-11-24T15:10:00.000Z",
   "fingerprint": "1a2b3c4d5e6f7081", "receivers": [{"name": "critical"}, {"name": "webhook"}],
   "startsAt": "2026-11-24T14:58:20.000Z", "updatedAt": "2026-11-24T14:59:00.000Z",
   "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"},
   "labels": {"alertname": "L0PipelineDown", "severity": "critical", "component": "pipeline", "layer": "L0"}},
  {"annotations": {}, "endsAt": "2026-11-24T15:10:00Z", "fingerprint": "00aa", "receivers": [{"name": "critical"}],
   "startsAt": "2026-11-24T14:00:00.123456789Z", "updatedAt": "2026-11-24T14:59:00Z",
   "status": {"inhibitedBy": [], "silencedBy": ["7d1c-silence"], "state": "suppressed"},
   "labels": {"alertname": "BackupIntegrityFailed", "severity": "critical", "component": "backups"}},
  {"annotations": {"summary": "usage 85 %"}, "endsAt": "2026-11-24T15:10:00Z", "fingerprint": "00bb",
   "receivers": [{"name": "warning"}], "startsAt": "2026-11-24T09:58:20-05:00", "updatedAt": "2026-11-24T14:59:00Z",
   "status": {"inhibitedBy": ["1a2b3c4d5e6f7081"], "silencedBy": [], "state": "suppressed"},
   "labels": {"alertname": "VendorApiRateLimitWarning", "severity": "warning", "component": "vendor_api"}},
  {"annotations": {}, "endsAt": "2026-11-24T15:10:00Z", "fingerprint": "00cc", "receivers": [],
   "startsAt": "2026-11-24T14:59:59Z", "updatedAt": "2026-11-24T14:59:59Z",
   "status": {"inhibitedBy": [], "silencedBy": [], "state": "unprocessed"},
   "labels": {"alertname": "Watchdog"}}
])";
constexpr const char* kReceivers =
    R"([{"name": "critical"}, {"name": "warning"}, {"name": "webhook"}])";
constexpr const char* kStatus = R"({"cluster": {"name": "01HXYZ", "status": "ready",
  "peers": [{"name": "01HXYZ", "address": "10.0.0.1:9094"}, {"name": "01HABC", "address": "10.0.0.2:9094"}]},
  "versionInfo": {"version": "0.25.0", "revision": "r", "branch": "b", "buildUser": "u", "buildDate": "d",
  "goVersion": "go1.20"}, "config": {"original": "global: {smtp_auth_password: planted-AM-pw-unit-4b1e}"},
  "uptime": "2026-11-24T10:00:00.000Z"})";

Result<HttpResponse> Fails(Reason reason, const std::string& message) {
  return Result<HttpResponse>(Status(reason, message));
}

class AlertmanagerProbeTest : public ::testing::Test {
 protected:
  AlertmanagerProbeTest() { config_.url = "http://am.test"; }
  void AnswerAll() {
    http_.Answer(kAlertsUrl, 200, kAlerts);
    http_.Answer(kReceiversUrl, 200, kReceivers);
    http_.Answer(kStatusUrl, 200, kStatus);
  }
  ProbeOutcome Run() {
    AlertmanagerProbe probe(config_, http_);
    return probe.Run(ProbeContext{Deadline::After(5s), clock_, log_});
  }
  static const AlertmanagerResult& R(const ProbeOutcome& o) {
    return std::get<AlertmanagerResult>(o.result);
  }

  AlertmanagerProbeConfig config_;
  FakeHttp http_;
  FakeClock clock_{*ParseTimestamp("2026-11-24T15:00:00Z")};
  Logger log_{LogLevel::kError};
};

TEST_F(AlertmanagerProbeTest, ReadsEveryAlertWithItsStateSeverityAndReceivers) {
  AnswerAll();
  ProbeOutcome out = Run();
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  const AlertmanagerResult& r = R(out);
  ASSERT_EQ(r.alerts.size(), 4u);

  const AlertmanagerAlert& firing = r.alerts[0];
  EXPECT_EQ(firing.fingerprint, "1a2b3c4d5e6f7081");
  EXPECT_EQ(firing.alertname, "L0PipelineDown");
  EXPECT_EQ(firing.severity, "critical");
  EXPECT_EQ(firing.component, "pipeline");
  EXPECT_EQ(firing.summary, "L0 failed");
  EXPECT_EQ(firing.state, "active");
  EXPECT_EQ(firing.starts_at, 1795532300);  // 2026-11-24T14:58:20Z
  EXPECT_TRUE(firing.silenced_by.empty());
  EXPECT_TRUE(firing.inhibited_by.empty());
  EXPECT_THAT(firing.receivers, ElementsAre("critical", "webhook"));
  EXPECT_EQ(firing.labels.at("layer"), "L0");
  EXPECT_EQ(firing.labels.size(), 4u);

  const AlertmanagerAlert& silenced = r.alerts[1];
  EXPECT_EQ(silenced.state, "suppressed");
  EXPECT_THAT(silenced.silenced_by, ElementsAre("7d1c-silence"));
  EXPECT_NEAR(silenced.starts_at, 1795528800.123456, 1e-6);  // nanoseconds cut to microseconds
  EXPECT_EQ(silenced.summary, "");

  const AlertmanagerAlert& inhibited = r.alerts[2];
  EXPECT_EQ(inhibited.state, "suppressed");
  EXPECT_THAT(inhibited.inhibited_by, ElementsAre("1a2b3c4d5e6f7081"));
  EXPECT_EQ(inhibited.starts_at, 1795532300);  // 09:58:20 at -05:00
  EXPECT_EQ(inhibited.severity, "warning");

  const AlertmanagerAlert& fresh = r.alerts[3];
  EXPECT_EQ(fresh.state, "unprocessed");
  EXPECT_EQ(fresh.alertname, "Watchdog");
  EXPECT_EQ(fresh.severity, "");  // no severity label
  EXPECT_EQ(fresh.component, "");
  EXPECT_TRUE(fresh.receivers.empty());

  ASSERT_TRUE(r.receivers);
  EXPECT_THAT(*r.receivers, ElementsAre("critical", "warning", "webhook"));
  ASSERT_TRUE(r.cluster);
  EXPECT_EQ(r.cluster->status, "ready");
  EXPECT_EQ(r.cluster->name, "01HXYZ");
  EXPECT_EQ(r.cluster->peers, 2u);
  EXPECT_EQ(r.cluster->version, "0.25.0");
}

TEST_F(AlertmanagerProbeTest, OneRequestPerEndpointWithoutCredentialsUnlessConfigured) {
  AnswerAll();
  ASSERT_TRUE(Run().status.ok());
  ASSERT_EQ(http_.requests.size(), 3u);
  EXPECT_EQ(http_.requests[0].url, kAlertsUrl);
  EXPECT_EQ(http_.requests[1].url, kReceiversUrl);
  EXPECT_EQ(http_.requests[2].url, kStatusUrl);
  for (const HttpRequest& req : http_.requests) {
    EXPECT_EQ(req.method, "GET");
    EXPECT_FALSE(req.basic_auth);
    EXPECT_FALSE(req.bearer_token);
    EXPECT_EQ(req.ca_file, "");
  }

  config_.username = "monitor";
  config_.password = Secret(kPlantedPassword);
  config_.ca_file = "/etc/ssl/am-ca.pem";
  http_.requests.clear();
  ASSERT_TRUE(Run().status.ok());
  ASSERT_EQ(http_.requests.size(), 3u);
  for (const HttpRequest& req : http_.requests) {
    ASSERT_TRUE(req.basic_auth);
    EXPECT_EQ(req.basic_auth->first, "monitor");
    EXPECT_EQ(req.basic_auth->second.reveal(), kPlantedPassword);
    EXPECT_EQ(req.ca_file, "/etc/ssl/am-ca.pem");
  }
}

TEST_F(AlertmanagerProbeTest, ARoutePrefixIsKept) {
  config_.url = "http://am.test/alertmanager";
  http_.Answer(
      "http://am.test/alertmanager/api/v2/"
      "alerts?active=true&silenced=true&inhibited=true&unprocessed=true",
      200, "[]");
  http_.Answer("http://am.test/alertmanager/api/v2/receivers", 200, "[]");
  http_.Answer("http://am.test/alertmanager/api/v2/status", 200,
               R"({"cluster": {"status": "disabled"}})");
  ProbeOutcome out = Run();
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(R(out).alerts.empty());
  EXPECT_EQ(R(out).cluster->status, "disabled");
  EXPECT_EQ(R(out).cluster->peers, 0u);
  EXPECT_EQ(R(out).cluster->version, "");
}

TEST_F(AlertmanagerProbeTest, ATransportErrorOnTheAlertsFailsTheRunWithItsReasonAndNoResult) {
  for (Reason reason : {Reason::kConnect, Reason::kTimeout, Reason::kTls, Reason::kCancelled}) {
    http_.On(kAlertsUrl, [reason](const HttpRequest&) {
      return Fails(reason, "GET /api/v2/alerts: it failed");
    });
    ProbeOutcome out = Run();
    ASSERT_FALSE(out.status.ok());
    EXPECT_EQ(out.status.reason(), reason);
    EXPECT_EQ(out.status.message(), "GET /api/v2/alerts: it failed");
    EXPECT_TRUE(
        std::holds_alternative<std::monostate>(out.result));  // no alerts: nothing to publish
  }
  EXPECT_EQ(http_.requests.size(),
            4u);  // the other endpoints are not asked after the alerts failed
}

TEST_F(AlertmanagerProbeTest, HttpStatusesHaveTheirReasons) {
  struct Case {
    long status;
    Reason reason;
    const char* says;
  } cases[] = {
      {500, Reason::kHttpStatus, "GET /api/v2/alerts answered HTTP 500"},
      {404, Reason::kHttpStatus, "GET /api/v2/alerts answered HTTP 404"},
      {401, Reason::kAuth,
       "GET /api/v2/alerts answered HTTP 401 (it asks for credentials: set "
       "probes.alertmanager.username and password_file)"},
      {403, Reason::kAuth, "GET /api/v2/alerts answered HTTP 403"},
  };
  for (const Case& c : cases) {
    http_.Answer(kAlertsUrl, c.status, "denied");
    ProbeOutcome out = Run();
    ASSERT_FALSE(out.status.ok()) << c.status;
    EXPECT_EQ(out.status.reason(), c.reason) << c.status;
    EXPECT_THAT(out.status.message(), HasSubstr(c.says));
    EXPECT_THAT(out.status.message(), Not(HasSubstr("denied")));  // the body is not quoted
    EXPECT_TRUE(std::holds_alternative<std::monostate>(out.result));
  }
  config_.username = "monitor";
  config_.password = Secret(kPlantedPassword);
  http_.Answer(kAlertsUrl, 401, "Unauthorized");
  EXPECT_EQ(
      Run().status.message(),
      "GET /api/v2/alerts answered HTTP 401 (check probes.alertmanager.username and its password)");
}

TEST_F(AlertmanagerProbeTest, MalformedAnswersAreParseErrorsNamingWhatIsWrong) {
  struct Case {
    const char* body;
    const char* says;
  } cases[] = {
      {"<html>proxy error</html>", "/api/v2/alerts: answer is not a JSON list"},
      {R"({"alerts": []})", "/api/v2/alerts: answer is not a JSON list"},
      {"[1]", "/api/v2/alerts: alert [0] is not an object"},
      {R"([{"labels": {}, "status": {"state": "active"}, "startsAt": "2026-11-24T14:00:00Z"}])",
       "/api/v2/alerts: alert [0] has no fingerprint"},
      {R"([{"fingerprint": "a", "labels": {"x": 1}, "status": {"state": "active"}, "startsAt": "2026-11-24T14:00:00Z"}])",
       "alert [0] labels or annotations is not a map of strings"},
      {R"([{"fingerprint": "a", "labels": {}, "startsAt": "2026-11-24T14:00:00Z"}])",
       "alert [0] has no status"},
      {R"([{"fingerprint": "a", "labels": {}, "status": {"silencedBy": []}, "startsAt": "2026-11-24T14:00:00Z"}])",
       "alert [0] has no status.state"},
      {R"([{"fingerprint": "a", "labels": {}, "status": {"state": "active", "silencedBy": "s1"},
            "startsAt": "2026-11-24T14:00:00Z"}])",
       "alert [0] status.silencedBy or status.inhibitedBy is not a list of strings"},
      {R"([{"fingerprint": "a", "labels": {}, "status": {"state": "active"}, "startsAt": "yesterday"}])",
       "alert [0] startsAt is not an RFC 3339 time"},
      {R"([{"fingerprint": "a", "labels": {}, "status": {"state": "active"}, "startsAt": "2026-11-24T14:00:00Z",
            "receivers": ["critical"]}])",
       "alert [0] receivers is not a list of {name}"},
  };
  for (const Case& c : cases) {
    http_.Answer(kAlertsUrl, 200, c.body);
    ProbeOutcome out = Run();
    ASSERT_FALSE(out.status.ok()) << c.body;
    EXPECT_EQ(out.status.reason(), Reason::kParse) << c.body;
    EXPECT_THAT(out.status.message(), HasSubstr(c.says)) << c.body;
  }
}

TEST_F(AlertmanagerProbeTest, ReceiversOrStatusFailingKeepsTheAlertsAndSaysWhatIsMissing) {
  http_.Answer(kAlertsUrl, 200, kAlerts);
  http_.Answer(kReceiversUrl, 500, "oops");
  http_.Answer(kStatusUrl, 200, R"({"cluster": "ready"})");
  ProbeOutcome out = Run();
  ASSERT_FALSE(out.status.ok());
  EXPECT_EQ(out.status.reason(), Reason::kHttpStatus);  // the first failure's reason
  EXPECT_EQ(out.status.message(),
            "GET /api/v2/receivers answered HTTP 500; /api/v2/status: answer has no cluster");
  const AlertmanagerResult& r = R(out);
  EXPECT_EQ(r.alerts.size(), 4u);
  EXPECT_FALSE(r.receivers);
  EXPECT_FALSE(r.cluster);

  http_.Answer(kReceiversUrl, 200, R"([{"id": "critical"}])");
  http_.Answer(kStatusUrl, 200, kStatus);
  out = Run();
  EXPECT_EQ(out.status.reason(), Reason::kParse);
  EXPECT_EQ(out.status.message(), "/api/v2/receivers: answer is not a JSON list of {name}");
  EXPECT_FALSE(R(out).receivers);
  EXPECT_TRUE(R(out).cluster);
}

TEST_F(AlertmanagerProbeTest, ThePasswordAndAnswersNeverReachAMessage) {
  config_.username = "monitor";
  config_.password = Secret(kPlantedPassword);
  // A proxy that echoes the Authorization header, and a status whose config holds the password.
  http_.Answer(kAlertsUrl, 200, std::string("[{\"fingerprint\": \"") + kPlantedPassword + "\"}]");
  ProbeOutcome bad_alert = Run();
  EXPECT_EQ(bad_alert.status.reason(), Reason::kParse);
  http_.Answer(kAlertsUrl, 401, std::string("bad credentials monitor:") + kPlantedPassword);
  ProbeOutcome refused = Run();
  EXPECT_EQ(refused.status.reason(), Reason::kAuth);
  http_.Answer(kAlertsUrl, 200, "[]");
  http_.Answer(kReceiversUrl, 200, std::string("{\"echo\": \"") + kPlantedPassword + "\"}");
  http_.Answer(kStatusUrl, 200,
               std::string("{\"config\": {\"original\": \"") + kPlantedPassword + "\"}}");
  ProbeOutcome partial = Run();
  EXPECT_EQ(partial.status.reason(), Reason::kParse);
  for (const ProbeOutcome* o : {&bad_alert, &refused, &partial}) {
    EXPECT_THAT(o->status.message(), Not(HasSubstr(kPlantedPassword)));
    EXPECT_THAT(o->status.message(), Not(HasSubstr("planted-AM-pw")));
  }
}

}  // namespace
}  // namespace usdcop
