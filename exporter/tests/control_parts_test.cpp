// The control API's parts: tokens, the rate limiter, the alert lifecycle, the control section.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <filesystem>

#include "config/config.h"
#include "control/alert_lifecycle.h"
#include "control/rate_limiter.h"
#include "control/tokens.h"
#include "fake_clock.h"

namespace usdcop {
namespace {

std::string RawSha256(const std::string& text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  return std::string(reinterpret_cast<const char*>(d), sizeof d);
}

TEST(TokenTableTest, MatchesTheHashOfABearerTokenOnly) {
  TokenTable t({{"ops", RawSha256("s3cret"), ControlRole::kOperator}, {"ro", RawSha256("other"), ControlRole::kViewer}});
  auto c = t.Authenticate("Bearer s3cret");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "ops");
  EXPECT_EQ(c->role, ControlRole::kOperator);
  EXPECT_EQ(t.Authenticate("bearer other")->name, "ro");
  EXPECT_FALSE(t.Authenticate("Bearer s3cre"));
  EXPECT_FALSE(t.Authenticate("Bearer s3cret2"));
  EXPECT_FALSE(t.Authenticate("Basic s3cret"));
  EXPECT_FALSE(t.Authenticate("s3cret"));
  EXPECT_FALSE(t.Authenticate("Bearer "));
  EXPECT_FALSE(t.Authenticate(""));
}

TEST(RateLimiterTest, ABucketRefillsAtItsRate) {
  RateLimiter limiter(2, 2);  // 2 per second, burst 2
  auto t0 = RateLimiter::Clock::now();
  EXPECT_FALSE(limiter.Take("a", t0));
  EXPECT_FALSE(limiter.Take("a", t0));
  auto wait = limiter.Take("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1);
  EXPECT_FALSE(limiter.Take("b", t0)) << "each key has its own bucket";
  EXPECT_FALSE(limiter.Take("a", t0 + std::chrono::milliseconds(500)));
  EXPECT_TRUE(limiter.Take("a", t0 + std::chrono::milliseconds(500)));
  RateLimiter slow(0.1, 1);  // one per 10 s
  EXPECT_FALSE(slow.Take("a", t0));
  EXPECT_EQ(slow.Take("a", t0).value_or(0), 10);
}

class AlertLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("alert_lifecycle_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    store_ = std::move(StateStore::Open((dir_ / "state.db").string())).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static nlohmann::json Payload(const std::string& status, const std::string& fp, const std::string& starts,
                                const std::string& ends = "0001-01-01T00:00:00Z") {
    return {{"version", "4"},
            {"status", status},
            {"alerts",
             {{{"status", status},
               {"labels", {{"alertname", "L0DataGap"}, {"severity", "critical"}}},
               {"startsAt", starts},
               {"endsAt", ends},
               {"fingerprint", fp}}}}};
  }
  std::filesystem::path dir_;
  std::unique_ptr<StateStore> store_;
  Logger log_{LogLevel::kError};
  // The payloads' dates, not the day the test runs: episodes are forgotten a week after they resolve.
  FakeClock clock_{*ParseTimestamp("2026-11-25T12:00:00Z")};
};

TEST_F(AlertLifecycleTest, CountsEveryNotificationAndMeasuresEachResolutionOnce) {
  AlertLifecycle a(*store_, log_, clock_);
  ASSERT_TRUE(a.Load().ok());
  EXPECT_EQ(a.Ingest(Payload("firing", "fp1", "2026-11-25T10:00:00Z")).code, 200);
  EXPECT_EQ(a.Ingest(Payload("firing", "fp1", "2026-11-25T10:00:00Z")).code, 200);
  EXPECT_EQ(a.Ingest(Payload("resolved", "fp1", "2026-11-25T10:00:00Z", "2026-11-25T10:07:30Z")).code, 200);
  EXPECT_EQ(a.Ingest(Payload("resolved", "fp1", "2026-11-25T10:00:00Z", "2026-11-25T10:07:30Z")).code, 200);
  ControlStats f = a.Figures();
  EXPECT_EQ((f.notifications[{"L0DataGap", "critical", "firing"}]), 2u);
  EXPECT_EQ((f.notifications[{"L0DataGap", "critical", "resolved"}]), 2u);
  ASSERT_EQ(f.resolution.count("critical"), 1u);
  EXPECT_EQ(f.resolution["critical"].count, 1u);
  EXPECT_DOUBLE_EQ(f.resolution["critical"].sum, 450);
  EXPECT_EQ(f.resolution["critical"].counts[3], 0u);  // <= 300 s
  EXPECT_EQ(f.resolution["critical"].counts[4], 1u);  // <= 600 s
  // A new firing of the same alert is a new episode.
  a.Ingest(Payload("firing", "fp1", "2026-11-25T11:00:00Z"));
  a.Ingest(Payload("resolved", "fp1", "2026-11-25T11:00:00Z", "2026-11-25T11:01:00Z"));
  EXPECT_EQ(a.Figures().resolution["critical"].count, 2u);
}

TEST_F(AlertLifecycleTest, FiguresAndAcknowledgementsSurviveARestart) {
  {
    AlertLifecycle a(*store_, log_, clock_);
    ASSERT_TRUE(a.Load().ok());
    a.Ingest(Payload("firing", "fp2", "2026-11-25T10:00:00Z"));
    AlertEpisode e;
    e.fingerprint = "fp2";
    e.alertname = "L0DataGap";
    e.severity = "critical";
    e.starts_at = ToUnixSeconds(*ParseTimestamp("2026-11-25T10:00:00Z"));
    a.Acknowledge(e, "ops", "silence-1");
    a.Acknowledge(e, "ops", "silence-1");  // measured once
  }
  AlertLifecycle b(*store_, log_, clock_);
  ASSERT_TRUE(b.Load().ok());
  ControlStats f = b.Figures();
  EXPECT_EQ((f.notifications[{"L0DataGap", "critical", "firing"}]), 1u);
  EXPECT_EQ(f.acknowledgement["critical"].count, 1u);
  auto acked = b.Acknowledged("fp2", "");
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_EQ(acked[0].silence_id, "silence-1");
  EXPECT_EQ(acked[0].acknowledged_by, "ops");
  b.SilenceExpired(acked[0].key());
  EXPECT_TRUE(b.Acknowledged("", "").empty());
}

TEST_F(AlertLifecycleTest, RefusesWhatIsNotAWebhookPayload) {
  AlertLifecycle a(*store_, log_, clock_);
  ActionResult r = a.Ingest({{"status", "firing"}});
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(r.body["field"], "alerts");
}

ConfigLoad LoadControl(const std::string& control_yaml) {
  return LoadConfigText("control:\n" + control_yaml, "test.yml");
}

std::string Errors(const ConfigLoad& load) {
  std::string out;
  for (const std::string& e : load.errors) out += e + "\n";
  return out;
}

TEST(ControlSectionTest, ReadsTokensLimitsAndHooks) {
  const std::string hash(64, 'a');
  ConfigLoad load = LoadControl("  tokens: [{name: ops, sha256: " + hash + ", role: operator}]\n"
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
      {"  tokens: []\n  actions: {launch-rockets: {command: [x]}}\n", "is not an action a hook can serve"},
      {"  tokens: []\n  actions: {rotate-key: {timeout: 5s}}\n", "needs either command"},
      {"  tokens: []\n  actions: {rotate-key: {command: [x], url: 'http://a/'}}\n", "needs either command"},
      {"  tokens: []\n  backup_dags: {L0: 'no spaces allowed'}\n", "is not an Airflow DAG id"},
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
