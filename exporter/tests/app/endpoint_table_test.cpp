// app/endpoint_table.cpp: the control API's table as the config makes it: its endpoints, which
// actions run and which name what to configure, and the fields each action takes. No action is
// run and no peer is called.
#include "app/endpoint_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "store/state_store.h"
#include "support/config_file.h"
#include "support/fake_clock.h"
#include "support/fake_http.h"

namespace usdcop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kControl = "control:\n  tokens: []\n";
constexpr const char* kAirflow =
    "    airflow: {url: 'http://127.0.0.1:8080', username: admin, password_file: "
    "airflow_password}\n";

class EndpointTableTest : public ConfigFileTest {
 protected:
  void SetUp() override {
    ConfigFileTest::SetUp();
    auto store = StateStore::Open(Path("state.db"));
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    alerts_ = std::make_unique<AlertLifecycle>(*store_, log_, clock_);
    deps_ = std::make_unique<ControlDeps>(
        ControlDeps{board_, trends_, scheduler_, http_, *alerts_, clock_, Path("state.db")});
  }
  void TearDown() override {
    setup_.reset();
    deps_.reset();
    alerts_.reset();
    store_.reset();
    ConfigFileTest::TearDown();
  }

  // The table of `yaml`; fails the test when the config does not load.
  const ControlSetup* Build(const std::string& yaml) {
    ConfigLoad load = Load(yaml);
    EXPECT_TRUE(load.config) << ::testing::PrintToString(load.errors);
    if (!load.config) return nullptr;
    setup_ = BuildControlSetup(*load.config, *deps_);
    return setup_.get();
  }
  const EndpointSpec& Endpoint(const std::string& path) {
    for (const EndpointSpec& e : setup_->endpoints)
      if (e.path == path) return e;
    ADD_FAILURE() << "no endpoint " << path;
    static const EndpointSpec none;
    return none;
  }
  const ActionSpec& Action(const std::string& path, const std::string& name) {
    for (const ActionSpec& a : Endpoint(path).actions)
      if (a.name == name) return a;
    ADD_FAILURE() << "no action " << name << " on " << path;
    static const ActionSpec none;
    return none;
  }
  static const ParamSpec& Param(const ActionSpec& action, const std::string& name) {
    for (const ParamSpec& p : action.params)
      if (p.name == name) return p;
    ADD_FAILURE() << "no field " << name << " on " << action.name;
    static const ParamSpec none;
    return none;
  }
  std::vector<std::string> ActionNames(const std::string& path) {
    std::vector<std::string> out;
    for (const ActionSpec& a : Endpoint(path).actions) out.push_back(a.name);
    return out;
  }

  FakeClock clock_{*ParseTimestamp("2026-11-25T12:00:00Z")};
  Logger log_{LogLevel::kError};
  ResultBoard board_;
  TrendBuffer trends_{log_};
  Scheduler scheduler_{board_, clock_, log_, 1};
  FakeHttp http_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<AlertLifecycle> alerts_;
  std::unique_ptr<ControlDeps> deps_;
  std::shared_ptr<const ControlSetup> setup_;
};

TEST_F(EndpointTableTest, NoControlSectionBuildsNoTable) {
  ConfigLoad load = Load("storage:\n  path: state.db\n");
  ASSERT_TRUE(load.config) << ::testing::PrintToString(load.errors);
  EXPECT_EQ(BuildControlSetup(*load.config, *deps_), nullptr);
}

TEST_F(EndpointTableTest, TakesTheSectionsLimits) {
  const ControlSetup* s = Build(
      "control:\n  tokens: []\n  rate_limit: {per_second: 5, burst: 9}\n"
      "  action_timeout: 12s\n  basic_auth_users: {carol: viewer}\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->per_second, 5);
  EXPECT_EQ(s->burst, 9);
  EXPECT_EQ(s->action_timeout, std::chrono::seconds(12));
  EXPECT_EQ(s->basic_auth_users.at("carol"), ControlRole::kViewer);
}

TEST_F(EndpointTableTest, WithoutPeersEveryEndpointIsListedAndOnlyRunChecksRuns) {
  const ControlSetup* s = Build(kControl);
  ASSERT_TRUE(s);
  std::vector<std::string> paths;
  for (const EndpointSpec& e : s->endpoints) paths.push_back(e.path);
  EXPECT_THAT(paths, ElementsAre("/api/l0/health", "/api/pipeline/health", "/api/backup/status",
                                 "/api/websocket/status", "/api/usage/monitoring",
                                 "/api/alerts/system", "/api/status", "/api/alerts/webhook"));
  for (const EndpointSpec& e : s->endpoints) {
    EXPECT_EQ(e.get != nullptr, e.path != "/api/alerts/webhook") << e.path;
    EXPECT_EQ(e.ingest != nullptr, e.path == "/api/alerts/webhook") << e.path;
  }
  EXPECT_THAT(ActionNames("/api/l0/health"), ElementsAre("run-checks", "reset-alerts"));
  EXPECT_THAT(ActionNames("/api/pipeline/health"),
              ElementsAre("restart-component", "clear-errors", "force-sync"));
  EXPECT_THAT(ActionNames("/api/backup/status"),
              ElementsAre("trigger-backup", "verify-integrity", "test-recovery"));
  EXPECT_THAT(ActionNames("/api/websocket/status"),
              ElementsAre("restart-websocket", "force-handover", "clear-buffers"));
  EXPECT_THAT(ActionNames("/api/usage/monitoring"),
              ElementsAre("rotate-key", "activate-backup-key"));
  EXPECT_THAT(ActionNames("/api/alerts/system"),
              ElementsAre("acknowledge-alert", "resolve-alert", "test-notification"));
  EXPECT_THAT(ActionNames("/api/status"), IsEmpty());
  EXPECT_THAT(ActionNames("/api/alerts/webhook"), IsEmpty());

  const ActionSpec& run_checks = Action("/api/l0/health", "run-checks");
  EXPECT_TRUE(run_checks.run);
  EXPECT_FALSE(run_checks.changes_world);
  EXPECT_EQ(run_checks.configure_hint, "");
  // Every other action answers 501, naming the config field that would serve it.
  const std::vector<std::pair<std::string, std::string>> hints = {
      {"reset-alerts", "control.alertmanager.url"},
      {"restart-component", "probes.pipeline.airflow"},
      {"clear-errors", "probes.pipeline.airflow"},
      {"force-sync", "probes.pipeline.airflow"},
      {"trigger-backup", "control.backup_dags"},
      {"verify-integrity", "probes.backups"},
      {"test-recovery", "probes.backups"},
      {"restart-websocket", "control.actions.restart-websocket"},
      {"force-handover", "control.actions.force-handover"},
      {"clear-buffers", "control.actions.clear-buffers"},
      {"rotate-key", "control.actions.rotate-key"},
      {"activate-backup-key", "control.actions.activate-backup-key"},
      {"acknowledge-alert", "probes.alertmanager"},
      {"resolve-alert", "probes.alertmanager"},
      {"test-notification", "probes.alertmanager"},
  };
  size_t unconfigured = 0;
  for (const EndpointSpec& e : s->endpoints)
    for (const ActionSpec& a : e.actions) {
      if (a.name == "run-checks") continue;
      unconfigured++;
      EXPECT_FALSE(a.run) << a.name;
      auto hint = std::find_if(hints.begin(), hints.end(),
                               [&](const auto& h) { return h.first == a.name; });
      ASSERT_NE(hint, hints.end()) << a.name;
      EXPECT_THAT(a.configure_hint, HasSubstr(hint->second)) << a.name;
    }
  EXPECT_EQ(unconfigured, hints.size());
}

TEST_F(EndpointTableTest, AirflowActionsOfferTheLayersWithADagId) {
  const ControlSetup* s = Build(std::string(kControl) + "probes:\n  pipeline:\n" + kAirflow +
                                "    layers:\n"
                                "      - {layer: L0, dag_id: usdcop_l0_acquire}\n"
                                "      - {layer: L5, status_file: /data/status/l5.json}\n"
                                "      - {layer: L1, dag_id: usdcop_l1_features}\n");
  ASSERT_TRUE(s);
  for (const char* name : {"restart-component", "clear-errors", "force-sync"}) {
    const ActionSpec& a = Action("/api/pipeline/health", name);
    EXPECT_TRUE(a.run) << name;
    EXPECT_EQ(a.configure_hint, "") << name;
    const ParamSpec& layer = Param(a, "layer");
    EXPECT_THAT(layer.allowed, ElementsAre("L0", "L1")) << name;
    EXPECT_TRUE(layer.required) << name;
    EXPECT_THAT(layer.aliases, ElementsAre("component")) << name;
  }
  EXPECT_EQ(Param(Action("/api/pipeline/health", "clear-errors"), "since").kind,
            ParamSpec::Kind::kDuration);
  // Airflow alone does not serve trigger-backup: it needs control.backup_dags.
  EXPECT_FALSE(Action("/api/backup/status", "trigger-backup").run);
}

TEST_F(EndpointTableTest, AirflowWithNoDagIdLeavesTheAirflowActionsUnconfigured) {
  const ControlSetup* s = Build(std::string(kControl) + "probes:\n  pipeline:\n" + kAirflow +
                                "    layers:\n"
                                "      - {layer: L5, status_file: /data/status/l5.json}\n");
  ASSERT_TRUE(s);
  const ActionSpec& a = Action("/api/pipeline/health", "restart-component");
  EXPECT_FALSE(a.run);
  EXPECT_THAT(a.configure_hint, HasSubstr("dag_id"));
  EXPECT_THAT(Param(a, "layer").allowed, IsEmpty());
}

TEST_F(EndpointTableTest, BackupActionsOfferTheConfiguredLayers) {
  const ControlSetup* s = Build(
      "control:\n  tokens: []\n  backup_dags: {L1: usdcop_l1_backup}\n"
      "probes:\n  pipeline:\n" +
      std::string(kAirflow) +
      "    layers:\n"
      "      - {layer: L0, dag_id: usdcop_l0_acquire}\n"
      "  backups:\n"
      "    layers:\n"
      "      - {layer: L0, path: backups/l0}\n"
      "      - {layer: L1, path: backups/l1}\n");
  ASSERT_TRUE(s);
  const ActionSpec& verify = Action("/api/backup/status", "verify-integrity");
  EXPECT_TRUE(verify.run);
  EXPECT_FALSE(verify.changes_world);
  EXPECT_THAT(Param(verify, "layer").allowed, ElementsAre("L0", "L1"));
  EXPECT_FALSE(Param(verify, "layer").required) << "without it, every layer";
  const ActionSpec& recovery = Action("/api/backup/status", "test-recovery");
  EXPECT_TRUE(recovery.run);
  EXPECT_THAT(Param(recovery, "layer").allowed, ElementsAre("L0", "L1"));
  EXPECT_TRUE(Param(recovery, "layer").required);
  // trigger-backup offers the layers of control.backup_dags, not those of probes.backups.
  const ActionSpec& trigger = Action("/api/backup/status", "trigger-backup");
  EXPECT_TRUE(trigger.run);
  EXPECT_THAT(Param(trigger, "layer").allowed, ElementsAre("L1"));
  EXPECT_TRUE(Param(trigger, "layer").required);
}

TEST_F(EndpointTableTest, AHookServesItsActionOnly) {
  const ControlSetup* s = Build(
      "control:\n  tokens: []\n  actions:\n"
      "    force-handover: {command: [systemctl, restart, ws-handover], timeout: 10s}\n"
      "    rotate-key: {url: 'http://127.0.0.1:1/rotate'}\n"
      "probes:\n  vendor_api:\n"
      "    keys:\n"
      "      - {id: primary, key_file: airflow_password, created: 2026-01-10}\n"
      "      - {id: spare, key_file: airflow_password, created: 2026-03-01}\n"
      "    active_key: primary\n");
  ASSERT_TRUE(s);
  EXPECT_TRUE(Action("/api/websocket/status", "force-handover").run);
  EXPECT_EQ(Action("/api/websocket/status", "force-handover").configure_hint, "");
  EXPECT_TRUE(Action("/api/usage/monitoring", "rotate-key").run);
  for (const char* name : {"restart-websocket", "clear-buffers"})
    EXPECT_FALSE(Action("/api/websocket/status", name).run) << name;
  EXPECT_FALSE(Action("/api/usage/monitoring", "activate-backup-key").run);
  // The key actions offer the vendor_api section's key ids and provider.
  for (const char* name : {"rotate-key", "activate-backup-key"}) {
    const ActionSpec& a = Action("/api/usage/monitoring", name);
    EXPECT_THAT(Param(a, "key_id").allowed, ElementsAre("primary", "spare")) << name;
    EXPECT_THAT(Param(a, "provider").allowed, ElementsAre("twelvedata")) << name;
  }
}

TEST_F(EndpointTableTest, AlertIdIsAFingerprintWhenItIs16HexDigitsElseAnAlertname) {
  const ControlSetup* s =
      Build("control:\n  tokens: []\n  alertmanager: {url: 'http://127.0.0.1:9093'}\n");
  ASSERT_TRUE(s);
  for (const char* name : {"acknowledge-alert", "resolve-alert", "test-notification"})
    EXPECT_TRUE(Action("/api/alerts/system", name).run) << name;
  EXPECT_TRUE(Action("/api/l0/health", "reset-alerts").run);
  for (const char* name : {"acknowledge-alert", "resolve-alert"}) {
    const ActionSpec& a = Action("/api/alerts/system", name);
    const ParamSpec& fingerprint = Param(a, "fingerprint");
    EXPECT_EQ(fingerprint.pattern, "[0-9a-f]{16}") << name;
    EXPECT_THAT(fingerprint.aliases, ElementsAre("alertId")) << name;
    EXPECT_FALSE(fingerprint.required) << name;
    EXPECT_THAT(Param(a, "alertname").aliases, ElementsAre("alertId")) << name;
    // As the check reads these fields: alertId goes to the first whose pattern it matches.
    nlohmann::json by_fingerprint = {{"alertId", "0123456789abcdef"}};
    EXPECT_FALSE(CheckParams(by_fingerprint, a.params)) << name;
    EXPECT_EQ(by_fingerprint, nlohmann::json({{"fingerprint", "0123456789abcdef"}})) << name;
    nlohmann::json by_name = {{"alertId", "L0DataGap"}};
    EXPECT_FALSE(CheckParams(by_name, a.params)) << name;
    EXPECT_EQ(by_name, nlohmann::json({{"alertname", "L0DataGap"}})) << name;
  }
}

}  // namespace
}  // namespace usdcop
