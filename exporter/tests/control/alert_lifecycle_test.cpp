// control/alert_lifecycle.cpp: the alert webhooks, their episodes, acknowledgements and figures,
// kept in the state store.
#include "control/alert_lifecycle.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "support/fake_clock.h"

namespace usdcop {
namespace {

class AlertLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("alert_lifecycle_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    store_ = std::move(StateStore::Open((dir_ / "state.db").string())).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static nlohmann::json Payload(const std::string& status, const std::string& fp,
                                const std::string& starts,
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
  // The payloads' dates, not the day the test runs: episodes are forgotten a week after they
  // resolve.
  FakeClock clock_{*ParseTimestamp("2026-11-25T12:00:00Z")};
};

TEST_F(AlertLifecycleTest, CountsEveryNotificationAndMeasuresEachResolutionOnce) {
  AlertLifecycle a(*store_, log_, clock_);
  ASSERT_TRUE(a.Load().ok());
  EXPECT_EQ(a.Ingest(Payload("firing", "fp1", "2026-11-25T10:00:00Z")).code, 200);
  EXPECT_EQ(a.Ingest(Payload("firing", "fp1", "2026-11-25T10:00:00Z")).code, 200);
  EXPECT_EQ(
      a.Ingest(Payload("resolved", "fp1", "2026-11-25T10:00:00Z", "2026-11-25T10:07:30Z")).code,
      200);
  EXPECT_EQ(
      a.Ingest(Payload("resolved", "fp1", "2026-11-25T10:00:00Z", "2026-11-25T10:07:30Z")).code,
      200);
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

// One alert of a webhook payload, `ago` before the fake clock's now (resolved `ended_ago` before
// it).
nlohmann::json AlertAt(const FakeClock& clock, const std::string& fp, const std::string& alertname,
                       const std::string& severity, Duration ago,
                       std::optional<Duration> ended_ago = std::nullopt) {
  return {
      {"status", ended_ago ? "resolved" : "firing"},
      {"labels", {{"alertname", alertname}, {"severity", severity}}},
      {"startsAt", FormatTimestamp(clock.Now() - ago)},
      {"endsAt", ended_ago ? FormatTimestamp(clock.Now() - *ended_ago) : "0001-01-01T00:00:00Z"},
      {"fingerprint", fp}};
}

nlohmann::json Webhook(nlohmann::json alerts) {
  return {{"version", "4"}, {"alerts", std::move(alerts)}};
}

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
    alerts.push_back(AlertAt(clock_, "n" + std::to_string(i), "Alert_" + std::to_string(i),
                             "critical", std::chrono::minutes(5)));
  const std::vector<std::string> not_names = {"alert-123", "", "9lives", "has space",
                                              std::string(129, 'a')};
  for (size_t i = 0; i < not_names.size(); ++i)
    alerts.push_back(AlertAt(clock_, "bad" + std::to_string(i), not_names[i], "warning",
                             std::chrono::minutes(5)));
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
  EXPECT_EQ(SeveritiesOf(a.Figures()),
            (std::set<std::string>{"critical", "warning", "info", "other"}));
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
    notifications.push_back({"Alert_" + std::to_string(i),
                             i % 2 ? "critical" : "sev" + std::to_string(i), "firing", i + 1});
    total += i + 1;
  }
  notifications.push_back({"no such-name", "warning", "resolved", 7});
  total += 7;
  nlohmann::json h = {{"counts", std::vector<int>(std::size(SecondsHistogram::kBounds), 1)},
                      {"count", 1},
                      {"sum", 10}};
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
  a.Ingest(Webhook(
      {AlertAt(clock_, "p1", "Paged", "page", std::chrono::minutes(20), std::chrono::minutes(10)),
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
  for (const nlohmann::json& e : summary["episodes"])
    out.insert(e["fingerprint"].get<std::string>());
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
  a.Ingest(Webhook(
      {AlertAt(clock_, "resolved-8d", "Old", "warning", hours(8 * 24 + 1), hours(8 * 24)),
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
  a.Ingest(Webhook(
      {AlertAt(clock_, "acked-resolved-8d", "Old", "warning", hours(8 * 24 + 1), hours(8 * 24)),
       AlertAt(clock_, "expired-ack-8d", "Old", "warning", hours(8 * 24 + 1), hours(8 * 24))}));
  EXPECT_EQ(Kept(a), (std::set<std::string>{"resolved-6d", "firing-27d", "acked-resolved-8d",
                                            "acked-firing-29d"}));
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
  for (size_t i = 0; i < AlertLifecycle::kMaxEpisodes;
       ++i)  // resolved i minutes ago, or firing for i minutes
    alerts.push_back(i % 2 ? AlertAt(clock_, "r" + std::to_string(i), "Flood", "info",
                                     minutes(i + 1), minutes(i))
                           : AlertAt(clock_, "f" + std::to_string(i), "Flood", "info", minutes(i)));
  a.Ingest(Webhook(alerts));
  std::set<std::string> kept = Kept(a);
  EXPECT_EQ(kept.size(), AlertLifecycle::kMaxEpisodes);
  EXPECT_EQ(kept.count("acked-oldest"), 1u);
  EXPECT_EQ(kept.count("r9999"), 0u) << "the oldest resolved one goes first";
  EXPECT_EQ(kept.count("r9997"), 1u);
  EXPECT_EQ(kept.count("f9998"), 1u) << "firing ones stay while resolved ones can go";
}

}  // namespace
}  // namespace usdcop
