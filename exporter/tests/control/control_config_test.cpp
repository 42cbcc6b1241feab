// control/control_config.cpp: the control section of the config file, read through the loader.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/config.h"

namespace usdcop {
namespace {

ConfigLoad LoadControl(const std::string& control_yaml) {
  return LoadConfigText("control:\n" + control_yaml, "test.yml");
}

std::string Errors(const ConfigLoad& load) {
  std::string out;
  for (const std::string& e : load.errors) out += e + "\n";
  return out;
}

TEST(ControlSectionTest, SessionTtlDefaultsTo8hAndIsBounded) {
  ConfigLoad defaulted = LoadControl("  tokens: []\n");
  ASSERT_TRUE(defaulted.config) << Errors(defaulted);
  EXPECT_EQ(defaulted.config->control->session_ttl, std::chrono::hours(8));
  ConfigLoad set = LoadControl("  tokens: []\n  session_ttl: 30m\n");
  ASSERT_TRUE(set.config) << Errors(set);
  EXPECT_EQ(set.config->control->session_ttl, std::chrono::minutes(30));
  for (const char* bad : {"30s", "8d"}) {
    ConfigLoad load = LoadControl(std::string("  tokens: []\n  session_ttl: ") + bad + "\n");
    EXPECT_FALSE(load.config) << bad;
    EXPECT_NE(Errors(load).find("control.session_ttl"), std::string::npos) << Errors(load);
    EXPECT_NE(Errors(load).find("1m to 7d"), std::string::npos) << Errors(load);
  }
}

TEST(ControlSectionTest, TrendStepDefaultsTo1mAndIsBounded) {
  ConfigLoad defaulted = LoadControl("  tokens: []\n");
  ASSERT_TRUE(defaulted.config) << Errors(defaulted);
  EXPECT_EQ(defaulted.config->control->trend_step, std::chrono::minutes(1));
  ConfigLoad set = LoadControl("  tokens: []\n  trend_step: 2s\n");
  ASSERT_TRUE(set.config) << Errors(set);
  EXPECT_EQ(set.config->control->trend_step, std::chrono::seconds(2));
  for (const char* bad : {"500ms", "11m"}) {
    ConfigLoad load = LoadControl(std::string("  tokens: []\n  trend_step: ") + bad + "\n");
    EXPECT_FALSE(load.config) << bad;
    EXPECT_NE(Errors(load).find("control.trend_step"), std::string::npos) << Errors(load);
    EXPECT_NE(Errors(load).find("1s to 10m"), std::string::npos) << Errors(load);
  }
}

TEST(ControlSectionTest, ReadsTokensLimitsAndHooks) {
  const std::string hash(64, 'a');
  ConfigLoad load =
      LoadControl("  tokens: [{name: ops, sha256: " + hash +
                  ", role: operator}]\n"
                  "  rate_limit: {per_second: 5, burst: 9}\n"
                  "  basic_auth_users: {carol: viewer}\n"
                  "  backup_dags: {L0: usdcop_l0_backup}\n"
                  "  alertmanager: {url: 'http://127.0.0.1:9093'}\n"
                  "  actions:\n"
                  "    restart-websocket: {command: [systemctl, restart, ws], timeout: 10s}\n"
                  "    rotate-key: {url: 'http://127.0.0.1:1/rotate', method: PUT}\n");
  ASSERT_TRUE(load.config) << Errors(load);
  const ControlConfig& c = *load.config->control;
  ASSERT_EQ(c.tokens.size(), 1u);
  EXPECT_EQ(c.tokens[0].sha256, std::string(32, '\xaa'));
  EXPECT_EQ(c.tokens[0].role, ControlRole::kOperator);
  EXPECT_EQ(c.rate_per_second, 5);
  EXPECT_EQ(c.rate_burst, 9);
  EXPECT_EQ(c.basic_auth_users.at("carol"), ControlRole::kViewer);
  EXPECT_EQ(c.backup_dags.at("L0"), "usdcop_l0_backup");
  EXPECT_EQ(c.alertmanager_url, "http://127.0.0.1:9093");
  EXPECT_EQ(c.actions.at("restart-websocket").command.size(), 3u);
  EXPECT_EQ(c.actions.at("restart-websocket").timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.actions.at("rotate-key").method, "PUT");
  EXPECT_EQ(c.alert_severities, (std::vector<std::string>{"critical", "warning", "info"}));
  load = LoadControl("  tokens: []\n  alert_severities: [critical, page, ticket]\n");
  ASSERT_TRUE(load.config) << Errors(load);
  EXPECT_EQ(load.config->control->alert_severities,
            (std::vector<std::string>{"critical", "page", "ticket"}));
}

TEST(ControlSectionTest, ReportsEachMistakeWithItsPlace) {
  struct Case {
    std::string yaml;
    std::string says;
  };
  const Case cases[] = {
      {"  rate_limit: {per_second: 5}\n", "control.tokens: is required"},
      {"  tokens: [{name: ops, sha256: abc, role: operator}]\n", "must be 64 hex digits"},
      {"  tokens: [{name: ops, token: abc, role: operator}]\n", "configured by their SHA-256 only"},
      {"  tokens: [{name: ops, sha256: " + std::string(64, 'b') + "}]\n", "role: is required"},
      {"  tokens: [{name: ops, sha256: " + std::string(64, 'b') + ", role: admin}]\n", "viewer"},
      {"  tokens: []\n  actions: {launch-rockets: {command: [x]}}\n",
       "is not an action a hook can serve"},
      {"  tokens: []\n  actions: {rotate-key: {timeout: 5s}}\n", "needs either command"},
      {"  tokens: []\n  actions: {rotate-key: {command: [x], url: 'http://a/'}}\n",
       "needs either command"},
      {"  tokens: []\n  backup_dags: {L0: 'no spaces allowed'}\n", "is not an Airflow DAG id"},
      {"  tokens: []\n  alert_severities: [critical, other]\n",
       "control.alert_severities[1]: \"other\" is where the severities not listed are counted"},
      {"  tokens: []\n  alert_severities: [critical, warning, critical]\n",
       "control.alert_severities[2]: is listed twice"},
      {"  tokens: []\n  alert_severities: ['sev 1']\n",
       "control.alert_severities[0]: must be 1 to 32 letters"},
      {"  tokens: []\n  alert_severities: []\n",
       "control.alert_severities: must list 1 to 20 severities"},
      {"  tokens: []\n  alert_severities: critical\n", "control.alert_severities"},
  };
  for (const Case& c : cases) {
    ConfigLoad load = LoadControl(c.yaml);
    EXPECT_FALSE(load.config) << c.yaml;
    EXPECT_NE(Errors(load).find(c.says), std::string::npos) << c.yaml << "\n" << Errors(load);
    EXPECT_NE(Errors(load).find("test.yml:"), std::string::npos) << Errors(load);
  }
}

}  // namespace
}  // namespace usdcop
