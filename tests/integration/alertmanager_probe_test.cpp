// The real usdcop_exporter against a real Alertmanager over loopback: alerts POSTed to
// Alertmanager's API v2, one of them silenced through /api/v2/silences and one inhibited by its
// config, and usdcop_alerts_active counting only the active ones per severity; the silence
// expired, the count comes back; promtool and the metric contract accept the output. An
// Alertmanager that is not listening is reason `connect`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "support/alerting.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kSuccess = "usdcop_probe_success{probe=\"alertmanager\"}";

std::string Active(const std::string& severity) {
  return "usdcop_alerts_active{severity=\"" + severity + "\"}";
}

// Routes by severity to receivers without integrations (nothing is sent), and the project's
// inhibition: a firing critical mutes the warnings of its component.
constexpr const char* kAlertmanagerYml = R"(route:
  receiver: default
  routes:
    - {receiver: critical, matchers: [severity="critical"]}
    - {receiver: warning, matchers: [severity="warning"]}
receivers: [{name: default}, {name: critical}, {name: warning}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [component]
)";

// RFC 3339 in UTC, `from_now` away.
std::string TimeFromNow(std::chrono::seconds from_now) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

json Alert(const std::string& alertname, const std::string& severity,
           const std::string& component) {
  json labels = {{"alertname", alertname}, {"component", component}};
  if (!severity.empty()) labels["severity"] = severity;
  return {{"labels", labels},
          {"annotations", {{"summary", alertname + " (test)"}}},
          {"startsAt", TimeFromNow(-60s)},
          {"endsAt", TimeFromNow(1h)}};
}

class AlertmanagerProbeIT : public ::testing::Test {
 protected:
  void StartAlertmanager() {
    stack_.WriteFile("alertmanager.yml", kAlertmanagerYml);
    alertmanager_ =
        std::make_unique<AlertmanagerServer>(stack_.Dir(), stack_.File("alertmanager.yml"));
  }
  void StartExporter(int alertmanager_port) {
    stack_.WriteConfig(
        "probes:\n  alertmanager:\n    interval: 1s\n    timeout: 800ms\n    url: "
        "http://127.0.0.1:" +
        std::to_string(alertmanager_port) + "/\n");
    stack_.StartExporter();
  }
  // POSTs to Alertmanager's API; the answer's body, failing the test unless HTTP 200.
  std::string PostToAlertmanager(const std::string& path, const json& body) {
    std::string response;
    int status = HttpPost(alertmanager_->port(), path, body.dump(), &response);
    EXPECT_EQ(status, 200) << path << ": " << response << "\n" << alertmanager_->Log();
    return response;
  }
  // Waits until every severity has its count in one scrape (bounded); false with the last scrape in
  // *last.
  bool WaitForCounts(const std::map<std::string, double>& counts, std::string* last) {
    return Eventually(
        [&] {
          *last = stack_.ScrapeText();
          Series s = ParseExposition(*last);
          for (const auto& [severity, count] : counts) {
            auto it = s.find(Active(severity));
            if (it == s.end() || it->second != count) return false;
          }
          return true;
        },
        20s);
  }

  Stack stack_;
  std::unique_ptr<AlertmanagerServer> alertmanager_;
};

TEST_F(AlertmanagerProbeIT, CountsActiveAlertsPerSeverityAsSilencesAndInhibitionsChange) {
  StartAlertmanager();
  StartExporter(alertmanager_->port());
  ASSERT_TRUE(stack_.WaitForValue(kSuccess, 1, 20s))
      << stack_.exporter().Log() << alertmanager_->Log();
  std::string last;
  // Nothing firing: critical and warning are published at 0.
  ASSERT_TRUE(WaitForCounts({{"critical", 0}, {"warning", 0}}, &last)) << last;

  PostToAlertmanager("/api/v2/alerts",
                     json::array({
                         Alert("L0PipelineDown", "critical", "pipeline"),
                         Alert("L0DataGap", "critical", "market_data"),
                         Alert("BackupIntegrityFailed", "critical", "backups"),
                         Alert("HighProcessingLatency", "warning", "market_data"),  // inhibited
                         Alert("ApiKeyRotationDue", "warning", "vendor_api"),
                         Alert("DiskFillingUp", "info", "host"),
                         Alert("NoSeverity", "", "host"),
                     }));
  ASSERT_TRUE(WaitForCounts({{"critical", 3}, {"warning", 1}, {"info", 1}, {"", 1}}, &last))
      << last << "\n"
      << stack_.exporter().Log();

  json silence = {{"matchers", json::array({{{"name", "alertname"},
                                             {"value", "BackupIntegrityFailed"},
                                             {"isRegex", false},
                                             {"isEqual", true}}})},
                  {"startsAt", TimeFromNow(-1s)},
                  {"endsAt", TimeFromNow(1h)},
                  {"createdBy", "AlertmanagerProbeIT"},
                  {"comment", "acknowledged by the test"}};
  json created = json::parse(PostToAlertmanager("/api/v2/silences", silence), nullptr, false);
  ASSERT_TRUE(created.is_object() && created.contains("silenceID")) << created.dump();
  ASSERT_TRUE(WaitForCounts({{"critical", 2}, {"warning", 1}, {"info", 1}, {"", 1}}, &last))
      << last;
  Series s = ParseExposition(last);
  EXPECT_EQ(s[kSuccess], 1);
  size_t series = 0;
  for (const auto& [name, value] : s) series += name.rfind("usdcop_alerts_active{", 0) == 0;
  EXPECT_EQ(series, 4u) << last;  // critical, warning, info and "": no other severity
  const std::string silenced_exposition = last;

  // The silence expired (Alertmanager's DELETE expires it), the critical is counted again.
  httplib::Client client("127.0.0.1", alertmanager_->port());
  client.set_read_timeout(5s);
  auto expired = client.Delete("/api/v2/silence/" + created["silenceID"].get<std::string>());
  ASSERT_TRUE(expired && expired->status == 200) << alertmanager_->Log();
  EXPECT_TRUE(WaitForCounts({{"critical", 3}, {"warning", 1}, {"info", 1}, {"", 1}}, &last))
      << last;

  CommandResult lint =
      RunCommand({"promtool", "check", "metrics"}, silenced_exposition);  // severity="" included
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "");
  EXPECT_EQ(stack_.CheckContract(silenced_exposition, {"usdcop_alerts_active"}), "");
}

TEST_F(AlertmanagerProbeIT, NothingListeningIsReasonConnectAndPublishesNoCounts) {
  StartExporter(FreeLowPort());
  ASSERT_TRUE(stack_.WaitForAtLeast(
      "usdcop_probe_errors_total{probe=\"alertmanager\",reason=\"connect\"}", 2, 20s))
      << stack_.exporter().Log();
  const std::string text = stack_.ScrapeText();
  Series s = ParseExposition(text);
  EXPECT_EQ(s[kSuccess], 0);
  EXPECT_EQ(s.count(Active("critical")), 0u) << text;  // unknown, not 0
  EXPECT_THAT(stack_.exporter().Log(), ::testing::HasSubstr("GET /api/v2/alerts"));
}

}  // namespace
}  // namespace usdcop::testing
