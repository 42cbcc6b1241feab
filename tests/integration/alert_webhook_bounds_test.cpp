// The alert webhook of the real usdcop_exporter against a `webhook` token that posts whatever it
// likes: thousands of distinct alert names, names that are no names, severities from anywhere.
// /metrics keeps a bounded set of series, every notification still counted (under "other"), across
// a restart on the same state store, and figures an earlier run kept over the bounds are folded
// at start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "support/control_client.h"
#include "support/exposition.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using nlohmann::json;

constexpr const char* kWebhook = "webhook-tok-4b7d";
constexpr const char* kFamily = "usdcop_alert_notifications_received_total";
constexpr size_t kMaxAlertnames = 500;  // the exporter's bound (AlertFigures::kMaxAlertnames)

// The label values of one label over the series of kFamily.
std::set<std::string> LabelValues(const Series& series, const std::string& label) {
  std::set<std::string> out;
  const std::string key = label + "=\"";
  for (const auto& [text, value] : series) {
    if (text.rfind(std::string(kFamily) + "{", 0) != 0) continue;
    size_t at = text.find(key);
    if (at == std::string::npos) continue;
    at += key.size();
    out.insert(text.substr(at, text.find('"', at) - at));
  }
  return out;
}

// The series of kFamily only.
Series Family(const Series& series) {
  Series out;
  for (const auto& [text, value] : series)
    if (text.rfind(std::string(kFamily) + "{", 0) == 0) out[text] = value;
  return out;
}

class AlertWebhookBoundsIT : public ::testing::Test {
 protected:
  void Start() {
    stack_.WriteConfig("control:\n  tokens:\n" +
                       ControlTokenYaml("alertmanager", kWebhook, "webhook") +
                       "  rate_limit: {per_second: 1000, burst: 1000}\n");
    api_ = ControlClient(StartExporterWithControl(stack_));
  }
  // Posts `posts` payloads of `per_post` alerts named prefix_<n>, each with a severity of its own
  // now and then, and some names that are no names; returns how many alerts it posted.
  int PostFlood(const std::string& prefix, int posts, int per_post) {
    int sent = 0;
    for (int p = 0; p < posts; ++p) {
      json alerts = json::array();
      for (int i = 0; i < per_post; ++i) {
        const int n = p * per_post + i;
        const std::string name =
            n % 10 == 9 ? "bad name-" + std::to_string(n) : prefix + "_" + std::to_string(n);
        const std::string severity = n % 4 == 0   ? "critical"
                                     : n % 4 == 1 ? "warning"
                                     : n % 4 == 2 ? "info"
                                                  : "sev" + std::to_string(n);
        alerts.push_back({{"status", "firing"},
                          {"labels", {{"alertname", name}, {"severity", severity}}},
                          {"startsAt", "2026-11-25T10:00:00Z"},
                          {"endsAt", "0001-01-01T00:00:00Z"},
                          {"fingerprint", prefix + std::to_string(n)}});
      }
      ControlReply r = api_.Post("/api/alerts/webhook", kWebhook,
                                 json{{"version", "4"}, {"alerts", alerts}}.dump());
      EXPECT_EQ(r.status, 200) << r.text;
      if (r.status == 200) sent += per_post;
    }
    return sent;
  }
  // The family's series are bounded: at most 501 names x 4 severities x 2 statuses, the names
  // exactly `names`, and every notification counted.
  void ExpectBounded(const Series& s, size_t names, double total) {
    std::set<std::string> alertnames = LabelValues(s, "alertname");
    EXPECT_EQ(alertnames.size(), names);
    EXPECT_EQ(alertnames.count("other"), 1u);
    EXPECT_EQ(LabelValues(s, "severity"),
              (std::set<std::string>{"critical", "warning", "info", "other"}));
    EXPECT_LE(Family(s).size(), (kMaxAlertnames + 1) * 4 * 2);
    EXPECT_EQ(Sum(s, kFamily), total);
  }

  Stack stack_;
  ControlClient api_;
};

TEST_F(AlertWebhookBoundsIT, AFloodOfNamesAndSeveritiesKeepsMetricsBoundedAcrossARestart) {
  Start();
  // As the report had it: 60 posts, here of 100 alerts each, 5,400 distinct names.
  const int sent = PostFlood("Flood", 60, 100);
  ASSERT_EQ(sent, 6000);
  Series s = stack_.Scrape();
  ExpectBounded(s, kMaxAlertnames + 1, sent);
  EXPECT_EQ(Sum(s, kFamily, {"alertname=\"Flood_0\""}), 1);
  EXPECT_EQ(Sum(s, kFamily, {"alertname=\"Flood_600\""}), 0)
      << "names after the first 500 count as other";
  EXPECT_THAT(stack_.exporter().Log(), ::testing::HasSubstr("webhook alerts counted under"));

  // The same state store after a restart: the same series; new names still go to other.
  ASSERT_EQ(stack_.StopExporter(), 0);
  Start();
  EXPECT_EQ(Family(stack_.Scrape()), Family(s));
  const int more = PostFlood("Fresh", 2, 100);
  s = stack_.Scrape();
  ExpectBounded(s, kMaxAlertnames + 1, sent + more);
  EXPECT_EQ(Sum(s, kFamily, {"alertname=\"Fresh_0\""}), 0);
}

TEST_F(AlertWebhookBoundsIT, FiguresKeptOverTheBoundsByAnEarlierRunAreFoldedAtStart) {
  Start();
  ASSERT_EQ(PostFlood("Known", 1, 4), 4);  // the state store has its figures row
  ASSERT_EQ(stack_.StopExporter(), 0);
  // What a run before the bounds left: 3,000 names, both statuses, severities from anywhere.
  json notifications = json::array();
  double total = 0;
  for (int i = 0; i < 3000; ++i)
    for (const char* status : {"firing", "resolved"}) {
      notifications.push_back(
          {"Legacy_" + std::to_string(i), "sev" + std::to_string(i % 7), status, i + 1});
      total += i + 1;
    }
  const std::string legacy = json{
      {"notifications", notifications},
      {"resolution", json::object()},
      {"acknowledgement",
       json::object()}}.dump();
  ASSERT_EQ(
      ExecSql(stack_.File("state.db"), "UPDATE probe_state SET value = '" + legacy +
                                           "' WHERE namespace = 'alert_figures' AND key = 'all'"),
      1);
  Start();
  Series s = stack_.Scrape();
  std::set<std::string> alertnames = LabelValues(s, "alertname");
  EXPECT_EQ(alertnames.size(), kMaxAlertnames + 1);
  EXPECT_EQ(alertnames.count("Legacy_2999"), 1u) << "the names notified most are kept";
  EXPECT_EQ(alertnames.count("Legacy_2499"), 0u);
  EXPECT_EQ(LabelValues(s, "severity"), (std::set<std::string>{"other"}));
  EXPECT_EQ(Sum(s, kFamily), total);
  EXPECT_EQ(Sum(s, kFamily, {"alertname=\"Legacy_2999\""}), 2 * 3000);
  // The store keeps the folded figures, not the old ones.
  std::vector<std::string> stored =
      QueryRow(stack_.File("state.db"),
               "SELECT length(value) FROM probe_state WHERE namespace = 'alert_figures'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_LT(std::stoul(stored[0]), legacy.size() / 3);
}

}  // namespace
}  // namespace usdcop::testing
