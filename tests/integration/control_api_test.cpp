// The control API on the side port of the real usdcop_exporter: every endpoint x method x role,
// bad inputs over HTTP, the exporter's own actions, operator hooks (a command and an HTTP call),
// Alertmanager's actions and webhook against a real Alertmanager, HTTPS with the test CA and
// basic auth, the audit log across kill -9, and planted secrets never echoed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/alerting.h"
#include "support/control_client.h"
#include "support/exposition.h"
#include "support/ports.h"
#include "support/stack.h"
#include "support/test_bcrypt.h"
#include "support/test_pki.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kViewer = "viewer-tok-61f0";
constexpr const char* kOperator = "operator-tok-2a97";
constexpr const char* kWebhook = "webhook-tok-c33b";
constexpr const char* kPlantedKey = "planted-VendorKey-0e5d71";
constexpr const char* kPlantedEnv = "planted-Env-Secret-8c2f";

struct Reply {
  int status = 0;
  json body;
  std::string text;
  httplib::Headers headers;
};

struct Client {
  int port = 0;
  std::string ca;  // HTTPS when set
  Reply Call(const std::string& method, const std::string& path, const std::string& token,
             const std::string& body = "", httplib::Headers extra = {}) const {
    std::unique_ptr<httplib::ClientImpl> c;
    if (!ca.empty()) {
      auto ssl = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
      ssl->set_ca_cert_path(ca);
      ssl->enable_server_certificate_verification(true);
      c = std::move(ssl);
    } else {
      c = std::make_unique<httplib::ClientImpl>("127.0.0.1", port);
    }
    c->set_connection_timeout(3s);
    c->set_read_timeout(20s);
    if (!token.empty()) extra.emplace("Authorization", "Bearer " + token);
    httplib::Result r = method == "GET"    ? c->Get(path.c_str(), extra)
                        : method == "POST" ? c->Post(path.c_str(), extra, body, "application/json")
                                           : c->Delete(path.c_str(), extra);
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.text = r->body;
    out.body = json::parse(r->body, nullptr, false);
    out.headers = r->headers;
    return out;
  }
};

class ControlApiIT : public ::testing::Test {
 protected:
  std::string ControlYaml(const std::string& extra = "") const {
    return "control:\n  tokens:\n"
           "    - {name: alice, sha256: " +
           Sha256Hex(kViewer) +
           ", role: viewer}\n"
           "    - {name: ops, sha256: " +
           Sha256Hex(kOperator) +
           ", role: operator}\n"
           "    - {name: alertmanager, sha256: " +
           Sha256Hex(kWebhook) +
           ", role: webhook}\n"
           "  rate_limit: {per_second: 1000, burst: 1000}\n" +
           extra;
  }
  // Starts the exporter with `yaml` and finds the side port in its log.
  void Start(const std::string& yaml, std::vector<std::string> flags = {}) {
    stack_.WriteConfig(yaml);
    api_.port = StartExporterWithControl(stack_, std::move(flags));
    ASSERT_NE(api_.port, 0);
  }
  std::string Everything() {  // every log and answer the test has seen, for secret searches
    return stack_.exporter().Log() + seen_;
  }
  Reply Call(const std::string& method, const std::string& path, const std::string& token,
             const std::string& body = "", httplib::Headers extra = {}) {
    Reply r = api_.Call(method, path, token, body, std::move(extra));
    seen_ += r.text;
    return r;
  }

  Stack stack_;
  Client api_;
  std::string seen_;
};

const std::vector<std::pair<std::string, std::string>> kEndpoints = {
    {"/api/l0/health", R"({"action": "run-checks"})"},
    {"/api/pipeline/health", R"({"action": "force-sync", "layer": "L0"})"},
    {"/api/backup/status", R"({"action": "verify-integrity"})"},
    {"/api/websocket/status", R"({"action": "restart-websocket"})"},
    {"/api/usage/monitoring", R"({"action": "rotate-key"})"},
    {"/api/alerts/system", R"({"action": "test-notification"})"},
};

TEST_F(ControlApiIT, EveryEndpointMethodAndRoleOverHttp) {
  Start(ControlYaml());
  for (const auto& [path, action] : kEndpoints) {
    EXPECT_EQ(Call("GET", path, "").status, 401) << path;
    EXPECT_EQ(Call("GET", path, "not-a-token").status, 401) << path;
    Reply viewer = Call("GET", path, kViewer);
    EXPECT_EQ(viewer.status, 200) << path << viewer.text;
    EXPECT_TRUE(viewer.body.contains("generated_at")) << path << viewer.text;
    EXPECT_EQ(Call("GET", path, kOperator).status, 200) << path;
    EXPECT_EQ(Call("GET", path, kWebhook).status, 403) << path;
    EXPECT_EQ(Call("POST", path, "", action).status, 401) << path;
    EXPECT_EQ(Call("POST", path, kViewer, action).status, 403) << path;
    EXPECT_EQ(Call("POST", path, kWebhook, action).status, 403) << path;
    Reply op = Call("POST", path, kOperator, action);
    // Not configured in this config (501, naming what to configure), or done (200).
    EXPECT_TRUE(op.status == 200 || op.status == 501)
        << path << ": " << op.status << " " << op.text;
    if (op.status == 501) {
      EXPECT_THAT(op.body.value("error", ""), HasSubstr("configure")) << op.text;
    }
    EXPECT_EQ(Call("DELETE", path, kOperator).status, 405) << path;
  }
  EXPECT_EQ(Call("GET", "/api/unknown", kOperator).status, 404);
  // run-checks is the exporter's own: it always runs.
  Reply checks = Call("POST", "/api/l0/health", kOperator, R"({"action": "run-checks"})");
  EXPECT_EQ(checks.status, 200) << checks.text;
  EXPECT_EQ(checks.body["completed"], true);
  const std::string exposition = stack_.ScrapeText();
  EXPECT_THAT(exposition, HasSubstr("usdcop_control_requests_total{endpoint=\"/api/l0/"
                                    "health\",method=\"GET\",code=\"401\"} 2"));
  EXPECT_THAT(
      exposition,
      HasSubstr("usdcop_control_requests_total{endpoint=\"other\",method=\"GET\",code=\"404\"} 1"));
  EXPECT_EQ(stack_.CheckContract(exposition, {"usdcop_control_"}), "");
}

TEST_F(ControlApiIT, BadInputsAre400413And429NamingTheField) {
  Start(ControlYaml());
  struct Case {
    std::string body;
    int code;
    std::string field;
  };
  const Case cases[] = {
      {"{", 400, "body"},
      {R"({"layer": "L0"})", 400, "action"},
      {R"({"action": "launch"})", 400, "action"},
      {R"({"action": "run-checks", "extra": 1})", 400, "extra"},
      {std::string(70 * 1024, ' '), 413, "body"},
  };
  for (const Case& c : cases) {
    Reply r = Call("POST", "/api/l0/health", kOperator, c.body);
    EXPECT_EQ(r.status, c.code) << c.body.substr(0, 40) << ": " << r.text;
    EXPECT_EQ(r.body.value("field", ""), c.field) << r.text;
  }
  // A tight limit: 429 with Retry-After.
  stack_.StopExporter();
  std::string yaml = ControlYaml();
  yaml.replace(yaml.find("per_second: 1000, burst: 1000"), 29, "per_second: 1, burst: 2");
  Start(yaml);
  EXPECT_EQ(Call("GET", "/api/l0/health", kViewer).status, 200);
  EXPECT_EQ(Call("GET", "/api/l0/health", kViewer).status, 200);
  Reply limited = Call("GET", "/api/l0/health", kViewer);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.count("Retry-After"), 1u);
}

TEST_F(ControlApiIT, HooksRunACommandWithoutAShellAndCallAUrl) {
  httplib::Server hook;
  std::mutex mu;
  std::vector<std::string> bodies, auths;
  hook.Post("/rotate", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    bodies.push_back(req.body);
    auths.push_back(req.get_header_value("Authorization"));
    res.set_content("rotated\n", "text/plain");
  });
  int hook_port = hook.bind_to_any_port("127.0.0.1");
  std::thread serve([&] { hook.listen_after_bind(); });
  stack_.WriteFile("hook_token", "hook-bearer-5e1f\n");
  ::setenv("USDCOP_TEST_PLANTED_ENV", kPlantedEnv, 1);  // the exporter inherits it; a hook must not
  Start(ControlYaml("  actions:\n"
                    "    restart-websocket: {command: [/usr/bin/env], timeout: 5s}\n"
                    "    clear-buffers: {command: [/bin/sleep, '30'], timeout: 300ms}\n"
                    "    force-handover: {command: [/bin/echo, '$(id)', '*', ';', 'rm -rf /']}\n"
                    "    rotate-key: {url: 'http://127.0.0.1:" +
                    std::to_string(hook_port) + "/rotate', bearer_token_file: hook_token}\n"),
        {});
  Reply env =
      Call("POST", "/api/websocket/status", kOperator, R"({"action": "restart-websocket"})");
  EXPECT_EQ(env.status, 200) << env.text;
  EXPECT_EQ(env.body["exit_code"], 0);
  const std::string out = env.body.value("output", "");
  EXPECT_THAT(out, HasSubstr("USDCOP_ACTION=restart-websocket"));
  EXPECT_THAT(out, HasSubstr("USDCOP_REQUESTED_BY=ops"));
  EXPECT_THAT(out, Not(HasSubstr(kPlantedEnv)));  // the exporter's environment is not passed on
  Reply slow = Call("POST", "/api/websocket/status", kOperator, R"({"action": "clear-buffers"})");
  EXPECT_EQ(slow.status, 504) << slow.text;
  EXPECT_EQ(slow.body["timed_out"], true);
  Reply literal =
      Call("POST", "/api/websocket/status", kOperator, R"({"action": "force-handover"})");
  EXPECT_EQ(literal.status, 200);
  EXPECT_EQ(literal.body["output"], "$(id) * ; rm -rf /\n");
  Reply rotate = Call("POST", "/api/usage/monitoring", kOperator, R"({"action": "rotate-key"})");
  EXPECT_EQ(rotate.status, 200) << rotate.text;
  EXPECT_EQ(rotate.body["output"], "rotated\n");
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(bodies.size(), 1u);
    json b = json::parse(bodies[0]);
    EXPECT_EQ(b["action"], "rotate-key");
    EXPECT_EQ(b["requested_by"], "ops");
    EXPECT_EQ(auths[0], "Bearer hook-bearer-5e1f");
  }
  EXPECT_THAT(Everything(), Not(HasSubstr("hook-bearer-5e1f")));
  hook.stop();
  serve.join();
  ::unsetenv("USDCOP_TEST_PLANTED_ENV");
}

// The Airflow actions against pipeline-sim's Airflow, in API v1 (basic auth) and v2 (token).
class ControlAirflowIT : public ControlApiIT, public ::testing::WithParamInterface<std::string> {
 protected:
  json SimActions() {
    auto text = HttpGet(stack_.sim_port(), "/sim/airflow/actions");
    return text ? json::parse(*text, nullptr, false) : json();
  }
};

TEST_P(ControlAirflowIT, ActionsTriggerAndClearDagRunsThroughTheRestApi) {
  const std::string api = GetParam();
  const std::string l0 = kDagIds[0], backup_dag = kDagIds[5];
  stack_.StartSim();
  stack_.Sim("/sim/airflow/dags/" + l0 + "/runs", R"({"state": "failed"})");
  Start(stack_.PipelineConfig("1h", "5s", api) +
        ControlYaml("  backup_dags: {L0: " + backup_dag + "}\n"));

  // force-sync, retried with the same Idempotency-Key: one run triggered.
  Reply sync = Call("POST", "/api/pipeline/health", kOperator,
                    R"({"action": "force-sync", "layer": "L0"})", {{"Idempotency-Key", "sync-1"}});
  ASSERT_EQ(sync.status, 200) << sync.text;
  EXPECT_EQ(sync.body["dag_run"]["state"], "queued") << sync.text;
  Reply retry = Call("POST", "/api/pipeline/health", kOperator,
                     R"({"action": "force-sync", "layer": "L0"})", {{"Idempotency-Key", "sync-1"}});
  EXPECT_EQ(retry.body, sync.body);
  json actions = SimActions();
  ASSERT_TRUE(actions.is_array()) << actions;
  ASSERT_EQ(actions.size(), 1u) << actions;
  EXPECT_EQ(actions[0]["dag_id"], l0);
  EXPECT_EQ(actions[0]["path"], "/api/" + api + "/dags/" + l0 + "/dagRuns");
  const json& body = actions[0]["body"];
  EXPECT_EQ(body["conf"]["requested_by"], "ops");
  EXPECT_EQ(body["conf"]["action"], "force-sync");

  // clear-errors: the failed run is cleared and queued again.
  Reply clear = Call("POST", "/api/pipeline/health", kOperator,
                     R"({"action": "clear-errors", "layer": "L0", "since": "1h"})");
  ASSERT_EQ(clear.status, 200) << clear.text;
  EXPECT_EQ(clear.body["cleared_task_instances"].size(), 1u) << clear.text;

  // restart-component clears the newest run (the one force-sync made).
  Reply restart = Call("POST", "/api/pipeline/health", kOperator,
                       R"({"action": "restart-component", "layer": "L0"})");
  ASSERT_EQ(restart.status, 200) << restart.text;
  EXPECT_EQ(restart.body["dag_run_id"], sync.body["dag_run"]["dag_run_id"]) << restart.text;

  // trigger-backup runs the layer's backup DAG.
  Reply backup = Call("POST", "/api/backup/status", kOperator,
                      R"({"action": "trigger-backup", "layer": "L0"})");
  ASSERT_EQ(backup.status, 200) << backup.text;
  actions = SimActions();
  ASSERT_EQ(actions.size(), 4u) << actions;
  EXPECT_EQ(actions[1]["path"], "/api/" + api + "/dags/" + l0 + "/clearTaskInstances");
  EXPECT_THAT(actions[2]["path"].get<std::string>(), HasSubstr("/clear"));
  EXPECT_EQ(actions[3]["dag_id"], backup_dag);
  EXPECT_EQ(actions[3]["user"], api == "v1" ? "admin" : "token");

  // Layers are checked against the config; Airflow's failures are 502 with its status.
  EXPECT_EQ(
      Call("POST", "/api/pipeline/health", kOperator, R"({"action": "force-sync", "layer": "L9"})")
          .status,
      400);
  stack_.Sim("/sim/airflow/fault", R"({"fault": "server_error"})");
  Reply broken =
      Call("POST", "/api/pipeline/health", kOperator, R"({"action": "force-sync", "layer": "L1"})");
  EXPECT_EQ(broken.status, 502) << broken.text;
  EXPECT_THAT(broken.body.value("error", ""), HasSubstr("HTTP 500"));
  EXPECT_THAT(Everything(), Not(HasSubstr(kPlantedPassword)));
}

INSTANTIATE_TEST_SUITE_P(Api, ControlAirflowIT, ::testing::Values("v1", "v2"));

TEST_F(ControlApiIT, BackupActionsVerifyAndRecoverARealSet) {
  // A set with a sha256sums manifest, written here.
  const std::string set = stack_.File("backups/L0/20261125_060000");
  std::filesystem::create_directories(set);
  std::ofstream(set + "/bars.csv") << "time,close\n2026-11-25T06:00:00Z,4100.5\n";
  std::ofstream(set + "/SHA256SUMS")
      << Sha256Hex("time,close\n2026-11-25T06:00:00Z,4100.5\n") << "  bars.csv\n";
  Start("probes:\n  backups:\n    interval: 1m\n    timeout: 30s\n    layers: [{layer: L0, path: " +
        stack_.File("backups/L0") + "}]\n" +
        ControlYaml("  scratch_dir: " + stack_.File("scratch") + "\n"));
  Reply verify = Call("POST", "/api/backup/status", kOperator,
                      R"({"action": "verify-integrity", "layer": "L0"})");
  EXPECT_EQ(verify.status, 200) << verify.text;
  EXPECT_EQ(verify.body["all_intact"], true) << verify.text;
  EXPECT_EQ(verify.body["layers"]["L0"]["files_hashed"], 1) << verify.text;
  Reply recover = Call("POST", "/api/backup/status", kOperator,
                       R"({"action": "test-recovery", "layer": "L0"})");
  EXPECT_EQ(recover.status, 200) << recover.text;
  EXPECT_EQ(recover.body["recovered"], true) << recover.text;
  EXPECT_GT(recover.body["bytes_copied"].get<double>(), 0);
  EXPECT_TRUE(std::filesystem::is_empty(stack_.File("scratch"))) << "the scratch copy is removed";
  // Corrupt the set: verify-integrity says so at once, ignoring the probe's cache.
  std::ofstream(set + "/bars.csv") << "time,close\n2026-11-25T06:00:00Z,9999.9\n";
  verify = Call("POST", "/api/backup/status", kOperator, R"({"action": "verify-integrity"})");
  EXPECT_EQ(verify.body["all_intact"], false) << verify.text;
  EXPECT_EQ(verify.body["layers"]["L0"]["failures"]["digest_mismatch"], 1) << verify.text;
  EXPECT_EQ(
      Call("POST", "/api/backup/status", kOperator, R"({"action": "test-recovery", "layer": "L7"})")
          .status,
      400);
}

TEST_F(ControlApiIT, TheAuditLogKeepsEveryAnsweredCallAcrossKill9) {
  Start(ControlYaml());
  int answered = 0;
  for (int i = 0; i < 40; ++i) {
    const char* token = i % 4 == 0 ? "" : i % 4 == 1 ? kViewer : kOperator;
    Reply r = i % 2 ? Call("GET", "/api/l0/health", token)
                    : Call("POST", "/api/l0/health", token, R"({"action": "bad"})");
    if (r.status != 0) answered++;
  }
  stack_.exporter().Signal(SIGKILL);
  stack_.exporter().WaitExit(5s);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(stack_.File("state.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  // Each answer to a token's caller is a row, committed before it was sent. The 10 refusals
  // without a token are counted per kind and minute: their first is a row before it is
  // answered, the count of the rest is written every 2 s, so a kill -9 may lose some of that.
  ASSERT_EQ(
      sqlite3_prepare_v2(
          db,
          "SELECT count(*) FILTER (WHERE caller != ''), sum(caller = 'ops'), "
          "count(*) FILTER (WHERE code = 401), sum(count) FILTER (WHERE code = 401) FROM audit_log",
          -1, &st, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), answered - 10);
  EXPECT_EQ(sqlite3_column_int(st, 1), 20);
  EXPECT_GE(sqlite3_column_int(st, 2), 1);
  EXPECT_LE(sqlite3_column_int(st, 2), 2) << "one row a minute; the test may straddle two";
  EXPECT_LE(sqlite3_column_int(st, 3), 10);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(ControlApiIT, HttpsWithTheTestCaAndBasicAuthUsersWithRoles) {
  std::filesystem::create_directories(stack_.File("pki"));
  TestPki pki = MakeTestPki(stack_.File("pki"));
  stack_.WriteFile(
      "web.yml",
      "tls_server_config:\n  cert_file: pki/server.pem\n  key_file: pki/server-key.pem\n"
      "basic_auth_users:\n  carol: " +
          MakeBcryptHash("carol-pw") + "\n  dave: " + MakeBcryptHash("dave-pw") + "\n");
  Start(ControlYaml("  basic_auth_users: {carol: operator}\n"),
        {"--web.config.file=" + stack_.File("web.yml")});
  api_.ca = pki.ca_cert;
  EXPECT_EQ(Call("GET", "/api/l0/health", kViewer).status, 200);
  Client plain{api_.port, ""};
  EXPECT_EQ(plain.Call("GET", "/api/l0/health", kViewer).status, 0) << "plain HTTP is refused";
  auto basic = [&](const std::string& user, const std::string& pw) {
    httplib::SSLClient c("127.0.0.1", api_.port);
    c.set_ca_cert_path(pki.ca_cert);
    c.enable_server_certificate_verification(true);
    c.set_basic_auth(user, pw);
    auto r = c.Post("/api/l0/health", R"({"action": "run-checks"})", "application/json");
    return r ? r->status : 0;
  };
  EXPECT_EQ(basic("carol", "carol-pw"), 200);
  EXPECT_EQ(basic("carol", "wrong"), 401);
  EXPECT_EQ(basic("dave", "dave-pw"), 401)
      << "a web config user without a role in control.basic_auth_users";
  // The metrics port takes basic auth as before; tokens are the side port's.
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("msg=\"control API listening\""));
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("tls=true"));
}

TEST_F(ControlApiIT, AlertmanagerActionsAndTheWebhookMeasureTheAlertLifecycle) {
  WebhookReceiver slack;  // stands in for the other receivers
  const int exporter_control = FreeLowPort();
  stack_.WriteFile("am_webhook_token", std::string(kWebhook) + "\n");
  stack_.WriteFile(
      "am.yml",
      "route:\n  receiver: both\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n"
      "  repeat_interval: 1h\n"
      "receivers:\n  - name: both\n    webhook_configs:\n"
      "      - url: " +
          slack.Url("/slack") +
          "\n        send_resolved: true\n"
          "      - url: http://127.0.0.1:" +
          std::to_string(exporter_control) +
          "/api/alerts/webhook\n"
          "        send_resolved: true\n"
          "        http_config:\n          authorization:\n            credentials_file: " +
          stack_.File("am_webhook_token") + "\n");
  AlertmanagerServer am(stack_.Dir(), stack_.File("am.yml"));
  // No control.alertmanager: the actions use probes.alertmanager's.
  stack_.WriteConfig(
      "probes:\n  alertmanager: {interval: 1s, timeout: 800ms, url: 'http://127.0.0.1:" +
      std::to_string(am.port()) + "'}\n" + ControlYaml());
  stack_.StartExporter({"--control.listen-address=127.0.0.1:" + std::to_string(exporter_control)});
  api_.port = exporter_control;

  // test-notification: the routing delivers it.
  const auto t0 = std::chrono::steady_clock::now();
  Reply test = Call("POST", "/api/alerts/system", kOperator,
                    R"({"action": "test-notification", "severity": "critical"})");
  ASSERT_EQ(test.status, 200) << test.text;
  auto delivered = slack.WaitFor("UsdcopTestNotification", "firing", t0, 20s);
  ASSERT_TRUE(delivered) << am.Log();
  EXPECT_EQ(delivered->alert["labels"]["requested_by"], "ops");
  ASSERT_TRUE(
      stack_.WaitForAtLeast("usdcop_alert_notifications_received_total{alertname="
                            "\"UsdcopTestNotification\",severity=\"critical\",status=\"firing\"}",
                            1, 20s))
      << stack_.ScrapeText();

  // acknowledge-alert: a silence created by the caller; the acknowledgement is measured.
  Reply ack = Call(
      "POST", "/api/alerts/system", kOperator,
      R"({"action": "acknowledge-alert", "alertname": "UsdcopTestNotification", "comment": "looking", "duration": "30m"})",
      {{"Idempotency-Key", "ack-1"}});
  ASSERT_EQ(ack.status, 200) << ack.text;
  ASSERT_EQ(ack.body["acknowledged"].size(), 1u);
  const std::string silence = ack.body["acknowledged"][0]["silence_id"];
  Reply again = Call(
      "POST", "/api/alerts/system", kOperator,
      R"({"action": "acknowledge-alert", "alertname": "UsdcopTestNotification", "comment": "looking", "duration": "30m"})",
      {{"Idempotency-Key", "ack-1"}});
  EXPECT_EQ(again.body, ack.body);
  EXPECT_EQ(again.headers.count("Idempotency-Replayed"), 1u);
  httplib::Client amc("127.0.0.1", am.port());
  auto silences = amc.Get("/api/v2/silences");
  ASSERT_TRUE(silences);
  json all = json::parse(silences->body);
  int active_by_ops = 0;
  for (const json& s : all)
    if (s["createdBy"] == "ops" && s["status"]["state"] == "active") active_by_ops++;
  EXPECT_EQ(active_by_ops, 1) << silences->body;
  EXPECT_TRUE(stack_.WaitForValue(
      "usdcop_alert_acknowledgement_seconds_count{severity=\"critical\"}", 1, 5s));

  Reply view;
  for (int i = 0; i < 50; ++i) {  // the probe sees the silenced alert within its 1 s interval
    view = Call("GET", "/api/alerts/system", kViewer);
    if (view.body["alertmanager"].is_object() &&
        view.body["alertmanager"]["counts"].contains("suppressed"))
      break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(view.body["response"]["time_to_acknowledge"]["critical"]["count"], 1) << view.text;
  ASSERT_TRUE(view.body["alertmanager"].is_object()) << view.text;
  EXPECT_EQ(view.body["alertmanager"]["counts"]["suppressed"]["critical"], 1) << view.text;
  EXPECT_EQ(view.body["alertmanager"]["alerts"][0]["silenced_by"][0], silence) << view.text;
  EXPECT_EQ(view.body["alertmanager"]["receivers"], json::array({"both"})) << view.text;

  // resolve-alert expires the silence.
  Reply resolve = Call("POST", "/api/alerts/system", kOperator,
                       R"({"action": "resolve-alert", "alertname": "UsdcopTestNotification"})");
  ASSERT_EQ(resolve.status, 200) << resolve.text;
  EXPECT_EQ(resolve.body["expired"][0]["silence_id"], silence);
  silences = amc.Get("/api/v2/silence/" + silence);
  ASSERT_TRUE(silences);
  EXPECT_EQ(json::parse(silences->body)["status"]["state"], "expired");
  EXPECT_EQ(Call("POST", "/api/alerts/system", kOperator,
                 R"({"action": "acknowledge-alert", "alertname": "NoSuchAlert", "comment": "x"})")
                .status,
            404);
  // The webhook refuses the wrong token and takes only its own role.
  EXPECT_EQ(Call("POST", "/api/alerts/webhook", kViewer, R"({"alerts": []})").status, 403);
  EXPECT_EQ(Call("POST", "/api/alerts/webhook", "", R"({"alerts": []})").status, 401);
}

TEST_F(ControlApiIT, PlantedSecretsAreNeverEchoed) {
  stack_.WriteFile("vendor_key", std::string(kPlantedKey) + "\n");
  Start(
      "probes:\n  vendor_api:\n    interval: 1m\n    timeout: 2s\n    url: http://127.0.0.1:9\n"
      "    keys: [{id: primary, key_file: vendor_key, created: 2026-01-10}]\n" +
      ControlYaml("  actions:\n    rotate-key: {command: [/usr/bin/env]}\n"));
  for (const auto& [path, action] : kEndpoints) {
    Call("GET", path, kViewer);
    Call("POST", path, kOperator, action);
    Call("POST", path, kOperator,
         std::string(R"({"action": "x", "api_key": ")") + kPlantedKey + "\"}");
    Call("POST", path, kPlantedKey, action);
  }
  Call("POST", "/api/usage/monitoring", kOperator,
       R"({"action": "rotate-key", "key_id": "primary"})");
  const std::string all = Everything() + stack_.ScrapeText();
  EXPECT_THAT(all, Not(HasSubstr(kPlantedKey)));
  EXPECT_THAT(all, Not(HasSubstr(kOperator)));
  EXPECT_THAT(all, Not(HasSubstr(kViewer)));
  EXPECT_THAT(all, Not(HasSubstr(kPlantedPassword)));
}

}  // namespace
}  // namespace usdcop::testing
