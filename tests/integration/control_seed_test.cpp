// The requests of the seed's README ("API Usage Examples" and "Troubleshooting Guide"), sent
// verbatim with a bearer token added, against the real usdcop_exporter acting on pipeline-sim's
// Airflow and backups, a real Alertmanager and operator hooks: each does what it says. Typos and
// wrong values are still refused, naming the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "support/alerting.h"
#include "support/control_client.h"
#include "support/exposition.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kOperator = "seed-operator-tok-7e12";
constexpr const char* kJson = "application/json";
constexpr const char* kCurlForm = "application/x-www-form-urlencoded";  // curl -d without -H

// One request of the seed's README, as its curl command sends it.
struct SeedRequest {
  std::string method;
  std::string path;
  std::string body;
  std::string content_type;
};

const SeedRequest kHealth{"GET", "/api/l0/health", "", ""};
const SeedRequest kTriggerBackup{"POST", "/api/backup/status",
                                 R"({"action": "trigger-backup", "layer": "l0"})", kJson};
const SeedRequest kRestartWebsocket{"POST", "/api/websocket/status",
                                    R"({"action": "restart-websocket"})", kJson};
const SeedRequest kAcknowledge{
    "POST", "/api/alerts/system",
    R"({"action": "acknowledge-alert", "alertId": "alert-123", "user": "admin"})", kJson};
const SeedRequest kRestartComponent{"POST", "/api/pipeline/health",
                                    R"({"action": "restart-component", "component": "l0"})",
                                    kCurlForm};
const SeedRequest kActivateBackupKey{
    "POST", "/api/usage/monitoring",
    R"({"action": "activate-backup-key", "provider": "twelveData"})", kCurlForm};
const SeedRequest kVerifyIntegrity{"POST", "/api/backup/status",
                                   R"({"action": "verify-integrity"})", kCurlForm};
const SeedRequest kTriggerBackupAgain{"POST", "/api/backup/status",
                                      R"({"action": "trigger-backup", "layer": "l0"})", kCurlForm};

class ControlSeedIT : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartSim({"--backups.dir", stack_.File("backups"), "--backups.layers", "L0",
                     "--backups.backfill", "1"});
    stack_.Sim("/sim/airflow/dags/" + kDagIds[0] + "/runs", R"({"state": "failed"})");
    stack_.WriteFile("am.yml", "route: {receiver: nowhere}\nreceivers: [{name: nowhere}]\n");
    am_ = std::make_unique<AlertmanagerServer>(stack_.Dir(), stack_.File("am.yml"));
    stack_.WriteFile("td_key", "seed-vendor-key\n");
    const std::string sim = "http://127.0.0.1:" + std::to_string(stack_.sim_port());
    stack_.WriteConfig(stack_.PipelineConfig("1h", "5s") +
                       "  backups:\n    interval: 1h\n    timeout: 30s\n"
                       "    layers: [{layer: L0, path: " +
                       stack_.File("backups/l0") +
                       "}]\n"
                       "  vendor_api:\n    interval: 1h\n    timeout: 5s\n    url: " +
                       sim +
                       "\n"
                       "    keys:\n      - {id: primary, key_file: td_key, created: 2026-01-10}\n"
                       "      - {id: backup, key_file: td_key, created: 2026-03-01}\n"
                       "control:\n  tokens:\n" +
                       ControlTokenYaml("ops", kOperator, "operator") +
                       "  rate_limit: {per_second: 1000, burst: 1000}\n"
                       "  alertmanager: {url: 'http://127.0.0.1:" +
                       std::to_string(am_->port()) +
                       "'}\n"
                       "  backup_dags: {L0: " +
                       kDagIds[5] +
                       "}\n"
                       "  actions:\n"
                       "    restart-websocket: {command: [/usr/bin/env], timeout: 5s}\n"
                       "    activate-backup-key: {command: [/usr/bin/env], timeout: 5s}\n");
    api_ = ControlClient(StartExporterWithControl(stack_));
  }

  ControlReply Send(const SeedRequest& r) const {
    return r.method == "GET" ? api_.Get(r.path, kOperator)
                             : api_.Post(r.path, kOperator, r.body, r.content_type);
  }
  json SimActions() const {
    auto text = HttpGet(stack_.sim_port(), "/sim/airflow/actions");
    return text ? json::parse(*text, nullptr, false) : json();
  }
  // Alertmanager's v2 API (GET), parsed; null when it did not answer 200.
  json Alertmanager(const std::string& path) const {
    httplib::Client c("127.0.0.1", am_->port());
    c.set_connection_timeout(3s);
    c.set_read_timeout(10s);
    auto r = c.Get(path);
    return r && r->status == 200 ? json::parse(r->body, nullptr, false) : json();
  }
  // A firing alert named alert-123 (the seed's alertId), active in Alertmanager.
  void FireAlert123() {
    httplib::Client c("127.0.0.1", am_->port());
    const json alert =
        json::array({{{"labels", {{"alertname", "alert-123"}, {"severity", "warning"}}},
                      {"annotations", {{"summary", "the seed's example alert"}}}}});
    auto r = c.Post("/api/v2/alerts", alert.dump(), kJson);
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    const std::string active =
        "/api/v2/"
        "alerts?active=true&silenced=false&unprocessed=false&filter=alertname%3D%22alert-123%22";
    ASSERT_TRUE(Eventually([&] { return Alertmanager(active).size() == 1; })) << am_->Log();
  }

  Stack stack_;
  std::unique_ptr<AlertmanagerServer> am_;
  ControlClient api_;
};

TEST_F(ControlSeedIT, EachSeedRequestVerbatimDoesWhatItSays) {
  FireAlert123();

  // Check L0 Pipeline Health: L0's layer and its backup, from the probes.
  ControlReply health;
  ASSERT_TRUE(Eventually([&] {
    health = Send(kHealth);
    return health.status == 200 && health.body["pipeline"].is_object() &&
           health.body["backup"].is_object();
  })) << health.status
      << " " << health.text;
  EXPECT_EQ(health.body["pipeline"]["layer"], "L0");
  EXPECT_EQ(health.body["backup"]["present"], true) << health.text;

  // Trigger Manual Backup: L0's backup DAG gets a run, requested by the token's name.
  ControlReply backup = Send(kTriggerBackup);
  ASSERT_EQ(backup.status, 200) << backup.text;
  json actions = SimActions();
  ASSERT_TRUE(actions.is_array() && actions.size() == 1) << actions;
  EXPECT_EQ(actions[0]["dag_id"], kDagIds[5]);
  EXPECT_EQ(actions[0]["body"]["conf"]["action"], "trigger-backup");
  EXPECT_EQ(actions[0]["body"]["conf"]["requested_by"], "ops");

  // Restart WebSocket Server: the operator hook runs.
  ControlReply ws = Send(kRestartWebsocket);
  ASSERT_EQ(ws.status, 200) << ws.text;
  EXPECT_THAT(ws.body.value("output", ""), HasSubstr("USDCOP_ACTION=restart-websocket"));

  // Acknowledge Alert: a silence of alert-123 created by the caller, for the user in its comment.
  ControlReply ack = Send(kAcknowledge);
  ASSERT_EQ(ack.status, 200) << ack.text;
  ASSERT_EQ(ack.body["acknowledged"].size(), 1u) << ack.text;
  const std::string silence_id = ack.body["acknowledged"][0]["silence_id"];
  json silence = Alertmanager("/api/v2/silence/" + silence_id);
  ASSERT_TRUE(silence.is_object()) << silence_id;
  EXPECT_EQ(silence["createdBy"], "ops");
  EXPECT_THAT(silence["comment"].get<std::string>(), HasSubstr("admin"));
  EXPECT_EQ(silence["status"]["state"], "active");
  bool matches_alert = false;
  for (const json& m : silence["matchers"])
    matches_alert = matches_alert || (m["name"] == "alertname" && m["value"] == "alert-123");
  EXPECT_TRUE(matches_alert) << silence;
  // The audit row keeps the request as sent, user included, and who made it.
  std::vector<std::string> row =
      QueryRow(stack_.File("state.db"),
               "SELECT caller, params, result FROM audit_log "
               "WHERE action = 'acknowledge-alert' ORDER BY id DESC LIMIT 1");
  ASSERT_EQ(row.size(), 3u);
  EXPECT_EQ(row[0], "ops");
  EXPECT_THAT(row[1], HasSubstr("\"user\":\"admin\""));
  EXPECT_THAT(row[1], HasSubstr("\"alertId\":\"alert-123\""));
  EXPECT_THAT(row[2], HasSubstr("admin"));

  // Pipeline Status Shows Failed: restart-component clears L0's newest (failed) run.
  ControlReply restart = Send(kRestartComponent);
  ASSERT_EQ(restart.status, 200) << restart.text;
  actions = SimActions();
  ASSERT_EQ(actions.size(), 2u) << actions;
  EXPECT_EQ(actions[1]["dag_id"], kDagIds[0]);
  EXPECT_THAT(actions[1]["path"].get<std::string>(), HasSubstr("/clear"));

  // High API Usage: the hook is asked to activate the backup key of the configured provider.
  ControlReply key = Send(kActivateBackupKey);
  ASSERT_EQ(key.status, 200) << key.text;
  EXPECT_THAT(key.body.value("output", ""), HasSubstr("USDCOP_ACTION=activate-backup-key"));
  EXPECT_THAT(key.body.value("output", ""), HasSubstr("USDCOP_PARAM_PROVIDER=twelvedata"));

  // Backup Integrity Issues: the newest set is hashed now, then a new backup triggered.
  ControlReply verify = Send(kVerifyIntegrity);
  ASSERT_EQ(verify.status, 200) << verify.text;
  EXPECT_EQ(verify.body["all_intact"], true) << verify.text;
  EXPECT_GE(verify.body["layers"]["L0"]["files_hashed"].get<int>(), 1) << verify.text;
  ASSERT_EQ(Send(kTriggerBackupAgain).status, 200);
  actions = SimActions();
  ASSERT_EQ(actions.size(), 3u) << actions;
  EXPECT_EQ(actions[2]["dag_id"], kDagIds[5]);
}

TEST_F(ControlSeedIT, AliasesAreDocumentedNamesNotAWayPastTheFieldCheck) {
  struct Case {
    std::string path;
    std::string body;
    std::string field;
    std::string says;
  };
  const Case cases[] = {
      {"/api/backup/status", R"({"action": "trigger-backup", "layr": "l0"})", "layr",
       "this action takes layer"},
      {"/api/pipeline/health",
       R"({"action": "restart-component", "component": "l0", "layer": "L0"})", "layer",
       "give component or layer, not both"},
      {"/api/pipeline/health", R"({"action": "restart-component", "component": "l9"})", "component",
       "must be L0"},
      {"/api/usage/monitoring", R"({"action": "activate-backup-key", "provider": "alphaVantage"})",
       "provider", "must be twelvedata"},
      {"/api/alerts/system",
       R"({"action": "acknowledge-alert", "alertId": "alert-123", "usr": "admin"})", "usr",
       "alertname (or alertId)"},
      {"/api/alerts/system", R"({"action": "acknowledge-alert", "alertId": "x", "alertname": "x"})",
       "alertname", "give alertId or alertname, not both"},
  };
  for (const Case& c : cases) {
    ControlReply r = api_.Post(c.path, kOperator, c.body);
    EXPECT_EQ(r.status, 400) << c.body << ": " << r.text;
    EXPECT_EQ(r.body.value("field", ""), c.field) << c.body << ": " << r.text;
    EXPECT_THAT(r.body.value("error", ""), HasSubstr(c.says)) << c.body;
  }
  EXPECT_TRUE(SimActions().empty()) << "nothing was acted on";
}

}  // namespace
}  // namespace usdcop::testing
