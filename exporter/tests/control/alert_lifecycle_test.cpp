// The control API's parts: tokens, the rate limiter, the alert lifecycle, the control section.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <filesystem>
#include <set>

#include "app/config.h"
#include "control/alert_lifecycle.h"
#include "control/rate_limiter.h"
#include "control/tokens.h"
#include "control/views.h"
#include "support/fake_clock.h"

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
  FakeClock clock(*ParseTimestamp("2026-11-25T12:00:00Z"));
  RateLimiter limiter(clock, 2, 2);  // 2 per second, burst 2
  EXPECT_FALSE(limiter.Take("a"));
  EXPECT_FALSE(limiter.Take("a"));
  auto wait = limiter.Take("a");
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1);
  EXPECT_FALSE(limiter.Take("b")) << "each key has its own bucket";
  clock.Advance(std::chrono::milliseconds(500));
  EXPECT_FALSE(limiter.Take("a"));
  EXPECT_TRUE(limiter.Take("a"));
  RateLimiter slow(clock, 0.1, 1);  // one per 10 s
  EXPECT_FALSE(slow.Take("a"));
  EXPECT_EQ(slow.Take("a").value_or(0), 10);
}

TEST(RateLimiterTest, WallClockStepsDoNotRefillABucket) {
  FakeClock clock(*ParseTimestamp("2026-11-25T12:00:00Z"));
  RateLimiter limiter(clock, 1, 1);
  EXPECT_FALSE(limiter.Take("a"));
  clock.Set(clock.Now() + std::chrono::hours(1));  // the wall clock set forward
  EXPECT_EQ(limiter.Take("a").value_or(0), 1);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(limiter.Take("a"));
}

TEST(RateLimiterTest, ANewRateKeepsAnEmptyBucketEmpty) {
  FakeClock clock(*ParseTimestamp("2026-11-25T12:00:00Z"));
  RateLimiter limiter(clock, 1, 3);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.Take("a"));
  limiter.SetRates(0.5, 10);  // a reload: the bucket is not refilled
  EXPECT_EQ(limiter.Take("a").value_or(0), 2);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_FALSE(limiter.Take("a"));
  EXPECT_TRUE(limiter.Take("a"));
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
    a.Acknowledge(e, "ops", "silence-1", e.starts_at + 7200);
    a.Acknowledge(e, "ops", "silence-1", e.starts_at + 7200);  // measured once
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

// One alert of a webhook payload, `ago` before the fake clock's now (resolved `ended_ago` before it).
nlohmann::json AlertAt(const FakeClock& clock, const std::string& fp, const std::string& alertname,
                       const std::string& severity, Duration ago, std::optional<Duration> ended_ago = std::nullopt) {
  return {{"status", ended_ago ? "resolved" : "firing"},
          {"labels", {{"alertname", alertname}, {"severity", severity}}},
          {"startsAt", FormatTimestamp(clock.Now() - ago)},
          {"endsAt", ended_ago ? FormatTimestamp(clock.Now() - *ended_ago) : "0001-01-01T00:00:00Z"},
          {"fingerprint", fp}};
}

nlohmann::json Webhook(nlohmann::json alerts) { return {{"version", "4"}, {"alerts", std::move(alerts)}}; }

// The notifications by alertname label, and their sum.
std::map<std::string, std::uint64_t> ByAlertname(const ControlStats& f, std::uint64_t* total) {
  std::map<std::string, std::uint64_t> out;
  *total = 0;
  for (const auto& [labels, n] : f.notifications) {
    out[std::get<0>(labels)] += n;
    *total += n;
  }
  return out;
}

std::set<std::string> SeveritiesOf(const ControlStats& f) {
  std::set<std::string> out;
  for (const auto& [labels, n] : f.notifications) out.insert(std::get<1>(labels));
  return out;
}

TEST_F(AlertLifecycleTest, NamesAndSeveritiesBeyondTheirBoundsAreCountedAsOtherNeverLost) {
  AlertLifecycle a(*store_, log_, clock_);
  ASSERT_TRUE(a.Load().ok());
  nlohmann::json alerts = nlohmann::json::array();
  for (int i = 0; i < 520; ++i)  // 500 names are kept, 20 more are not
    alerts.push_back(AlertAt(clock_, "n" + std::to_string(i), "Alert_" + std::to_string(i), "critical", std::chrono::minutes(5)));
  const std::vector<std::string> not_names = {"alert-123", "", "9lives", "has space", std::string(129, 'a')};
  for (size_t i = 0; i < not_names.size(); ++i)
    alerts.push_back(AlertAt(clock_, "bad" + std::to_string(i), not_names[i], "warning", std::chrono::minutes(5)));
  for (const std::string& sev : std::vector<std::string>{"page", "", "Critical", "info"})
    alerts.push_back(AlertAt(clock_, "sev" + sev, "Alert_0", sev, std::chrono::minutes(5)));
  EXPECT_EQ(a.Ingest(Webhook(alerts)).code, 200);
  std::uint64_t total = 0;
  auto by_name = ByAlertname(a.Figures(), &total);
  EXPECT_EQ(total, alerts.size()) << "every notification is counted";
  EXPECT_EQ(by_name.size(), AlertFigures::kMaxAlertnames + 1);
  EXPECT_EQ(by_name["other"], 25u);  // 20 over the cap, 5 not names
  EXPECT_EQ(by_name["Alert_0"], 5u);
  EXPECT_EQ(by_name.count("Alert_519"), 0u);
  EXPECT_EQ(SeveritiesOf(a.Figures()), (std::set<std::string>{"critical", "warning", "info", "other"}));
  // The same again, later: still bounded, and a known name is still counted as itself.
  clock_.Set(clock_.Now() + std::chrono::minutes(1));
  a.Ingest(Webhook(alerts));
  by_name = ByAlertname(a.Figures(), &total);
  EXPECT_EQ(total, 2 * alerts.size());
  EXPECT_EQ(by_name.size(), AlertFigures::kMaxAlertnames + 1);
  EXPECT_EQ(by_name["Alert_499"], 2u);
}

TEST_F(AlertLifecycleTest, FiguresOverTheBoundsFromAnEarlierRunAreFoldedAtLoad) {
  // What a run before the bounds could leave: 600 names (Alert_i notified i+1 times), names that
  // are not names, severities from anywhere, histograms of them.
  nlohmann::json notifications = nlohmann::json::array();
  std::uint64_t total = 0;
  for (int i = 0; i < 600; ++i) {
    notifications.push_back({"Alert_" + std::to_string(i), i % 2 ? "critical" : "sev" + std::to_string(i), "firing", i + 1});
    total += i + 1;
  }
  notifications.push_back({"no such-name", "warning", "resolved", 7});
  total += 7;
  nlohmann::json h = {{"counts", std::vector<int>(std::size(SecondsHistogram::kBounds), 1)}, {"count", 1}, {"sum", 10}};
  ASSERT_TRUE(store_
                  ->Put("alert_figures", "all",
                        nlohmann::json{{"notifications", notifications},
                                       {"resolution", {{"critical", h}, {"sev2", h}, {"sev4", h}}},
                                       {"acknowledgement", {{"", h}}}}
                            .dump())
                  .ok());
  for (int run = 0; run < 2; ++run) {  // folded at the first Load, kept so by the store
    AlertLifecycle a(*store_, log_, clock_);
    ASSERT_TRUE(a.Load().ok());
    ControlStats f = a.Figures();
    std::uint64_t loaded = 0;
    auto by_name = ByAlertname(f, &loaded);
    EXPECT_EQ(loaded, total) << "run " << run;
    EXPECT_EQ(by_name.size(), AlertFigures::kMaxAlertnames + 1) << "run " << run;
    EXPECT_EQ(by_name.count("Alert_99"), 0u) << "the names notified least are folded";
    EXPECT_EQ(by_name["Alert_100"], 101u);
    EXPECT_EQ(by_name["other"], 100u * 101 / 2 + 7);
    EXPECT_EQ(SeveritiesOf(f), (std::set<std::string>{"critical", "warning", "other"}));
    EXPECT_EQ(f.resolution.size(), 2u);
    EXPECT_EQ(f.resolution["other"].count, 2u);
    EXPECT_EQ(f.resolution["other"].counts[0], 2u);
    EXPECT_EQ(f.acknowledgement.size(), 1u);
    EXPECT_EQ(f.acknowledgement["other"].count, 1u);
  }
}

TEST_F(AlertLifecycleTest, TheConfiguredSeveritiesAreCountedAndAChangeFoldsTheOthers) {
  AlertLifecycle a(*store_, log_, clock_);
  a.SetSeverities({"critical", "page"});
  ASSERT_TRUE(a.Load().ok());
  a.Ingest(Webhook({AlertAt(clock_, "p1", "Paged", "page", std::chrono::minutes(20), std::chrono::minutes(10)),
                    AlertAt(clock_, "w1", "Warned", "warning", std::chrono::minutes(5))}));
  ControlStats f = a.Figures();
  EXPECT_EQ((f.notifications[{"Paged", "page", "resolved"}]), 1u);
  EXPECT_EQ((f.notifications[{"Warned", "other", "firing"}]), 1u);
  EXPECT_EQ(f.resolution["page"].count, 1u);
  a.SetSeverities({"critical"});
  f = a.Figures();
  EXPECT_EQ(SeveritiesOf(f), (std::set<std::string>{"other"}));
  EXPECT_EQ((f.notifications[{"Paged", "other", "resolved"}]), 1u);
  EXPECT_EQ(f.resolution.count("page"), 0u);
  EXPECT_EQ(f.resolution["other"].count, 1u);
  AlertLifecycle b(*store_, log_, clock_);  // the fold was saved
  b.SetSeverities({"critical"});
  ASSERT_TRUE(b.Load().ok());
  EXPECT_EQ((b.Figures().notifications[{"Paged", "other", "resolved"}]), 1u);
}

// The fingerprints of the episodes the lifecycle keeps.
std::set<std::string> Kept(const AlertLifecycle& a) {
  std::set<std::string> out;
  const nlohmann::json summary = a.Summary();
  for (const nlohmann::json& e : summary["episodes"]) out.insert(e["fingerprint"].get<std::string>());
  return out;
}

TEST_F(AlertLifecycleTest, EpisodesArePrunedByAgeNeverWithAnOpenAcknowledgement) {
  using std::chrono::hours;
  AlertLifecycle a(*store_, log_, clock_);
  ASSERT_TRUE(a.Load().ok());
  const double now = ToUnixSeconds(clock_.Now());
  auto acknowledge = [&](const std::string& fp, Duration ago, double silence_ends_at) {
    AlertEpisode e;
    e.fingerprint = fp;
    e.alertname = "Old";
    e.severity = "warning";
    e.starts_at = ToUnixSeconds(clock_.Now() - ago);
    a.Acknowledge(e, "ops", "silence-" + fp, silence_ends_at);
  };
  a.Ingest(Webhook({AlertAt(clock_, "resolved-8d", "Old", "warning", hours(8 * 24 + 1), hours(8 * 24)),
                    AlertAt(clock_, "resolved-6d", "Old", "warning", hours(6 * 24 + 1), hours(6 * 24)),
                    AlertAt(clock_, "acked-resolved-8d", "Old", "warning", hours(8 * 24 + 1), hours(8 * 24)),
                    AlertAt(clock_, "expired-ack-8d", "Old", "warning", hours(8 * 24 + 1), hours(8 * 24)),
                    AlertAt(clock_, "firing-29d", "Old", "warning", hours(29 * 24)),
                    AlertAt(clock_, "acked-firing-29d", "Old", "warning", hours(29 * 24)),
                    AlertAt(clock_, "firing-27d", "Old", "warning", hours(27 * 24))}));
  // Pruned as the payload came: nothing acknowledged them yet.
  EXPECT_EQ(Kept(a), (std::set<std::string>{"resolved-6d", "firing-27d"}));
  acknowledge("acked-resolved-8d", hours(8 * 24 + 1), now + 3600);
  acknowledge("acked-firing-29d", hours(29 * 24), now + 3600);
  acknowledge("expired-ack-8d", hours(8 * 24 + 1), now - 60);
  a.Ingest(Webhook({AlertAt(clock_, "acked-resolved-8d", "Old", "warning", hours(8 * 24 + 1), hours(8 * 24)),
                    AlertAt(clock_, "expired-ack-8d", "Old", "warning", hours(8 * 24 + 1), hours(8 * 24))}));
  EXPECT_EQ(Kept(a), (std::set<std::string>{"resolved-6d", "firing-27d", "acked-resolved-8d", "acked-firing-29d"}));
  // Two hours on, the silences have ended: those go too, at the next payload and at a restart.
  clock_.Set(clock_.Now() + hours(2));
  AlertLifecycle b(*store_, log_, clock_);
  ASSERT_TRUE(b.Load().ok());
  EXPECT_EQ(Kept(b), (std::set<std::string>{"resolved-6d", "firing-27d"}));
}

TEST_F(AlertLifecycleTest, OverTheEpisodeCapTheOldestResolvedGoFirstNeverAnAcknowledgedOne) {
  using std::chrono::minutes;
  AlertLifecycle a(*store_, log_, clock_);
  ASSERT_TRUE(a.Load().ok());
  AlertEpisode oldest;
  oldest.fingerprint = "acked-oldest";
  oldest.alertname = "Flood";
  oldest.starts_at = ToUnixSeconds(clock_.Now() - minutes(3000));
  a.Acknowledge(oldest, "ops", "silence-1", ToUnixSeconds(clock_.Now() + minutes(60)));
  nlohmann::json alerts = nlohmann::json::array();
  for (size_t i = 0; i < AlertLifecycle::kMaxEpisodes; ++i)  // resolved i minutes ago, or firing for i minutes
    alerts.push_back(i % 2 ? AlertAt(clock_, "r" + std::to_string(i), "Flood", "info", minutes(i + 1), minutes(i))
                           : AlertAt(clock_, "f" + std::to_string(i), "Flood", "info", minutes(i)));
  a.Ingest(Webhook(alerts));
  std::set<std::string> kept = Kept(a);
  EXPECT_EQ(kept.size(), AlertLifecycle::kMaxEpisodes);
  EXPECT_EQ(kept.count("acked-oldest"), 1u);
  EXPECT_EQ(kept.count("r9999"), 0u) << "the oldest resolved one goes first";
  EXPECT_EQ(kept.count("r9997"), 1u);
  EXPECT_EQ(kept.count("f9998"), 1u) << "firing ones stay while resolved ones can go";
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
  EXPECT_EQ(c.alert_severities, (std::vector<std::string>{"critical", "warning", "info"}));
  load = LoadControl("  tokens: []\n  alert_severities: [critical, page, ticket]\n");
  ASSERT_TRUE(load.config) << Errors(load);
  EXPECT_EQ(load.config->control->alert_severities, (std::vector<std::string>{"critical", "page", "ticket"}));
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
      {"  tokens: []\n  alert_severities: [critical, other]\n",
       "control.alert_severities[1]: \"other\" is where the severities not listed are counted"},
      {"  tokens: []\n  alert_severities: [critical, warning, critical]\n",
       "control.alert_severities[2]: is listed twice"},
      {"  tokens: []\n  alert_severities: ['sev 1']\n", "control.alert_severities[0]: must be 1 to 32 letters"},
      {"  tokens: []\n  alert_severities: []\n", "control.alert_severities: must list 1 to 20 severities"},
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
TEST(ViewCacheTest, RendersOncePerMillisecondAndProbeResultsAndSaysWhenFor) {
  ResultBoard board;
  board.Configure({{"pipeline", std::chrono::seconds(10)}});
  FakeClock clock(*ParseTimestamp("2026-11-25T12:00:00.123456Z"));
  int renders = 0;
  ViewCache cache(board, clock, [&renders](const BoardSnapshot& b, SysTime now) {
    ++renders;
    return nlohmann::json{{"generated_at", ToUnixSeconds(now)}, {"probes", b.size()}};
  });
  auto first = cache.Get();
  clock.Set(*ParseTimestamp("2026-11-25T12:00:00.123999Z"));  // the same millisecond
  EXPECT_EQ(cache.Get(), first) << "shared, not rendered again";
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(nlohmann::json::parse(*first)["generated_at"], ToUnixSeconds(*ParseTimestamp("2026-11-25T12:00:00.123Z")))
      << "the view is exact as of its millisecond";
  EXPECT_EQ(first->back(), '\n');
  clock.Set(*ParseTimestamp("2026-11-25T12:00:00.124Z"));
  auto next = cache.Get();
  EXPECT_EQ(renders, 2);
  EXPECT_NE(*next, *first);
  board.Record("pipeline", Status::Ok(), 0.1, 1.0, nullptr);  // new results, the same millisecond
  cache.Get();
  EXPECT_EQ(renders, 3);
}

}  // namespace usdcop
