// Every query of the three Grafana dashboards (grafana-dashboards/*.json) against a real
// Prometheus, no Grafana needed: pipeline-sim -> usdcop_exporter -> Prometheus (1 s scrape and
// evaluation, the project's rules with `for:` shortened, scraping the exporter, Alertmanager,
// node_exporter and itself, the compose stack's four jobs) -> Alertmanager (the shipped routing)
// -> the exporter's webhook, with faults switched on in the simulator so that alerts fire, one is
// acknowledged through the control API and two resolve.
//
// Then each panel's each target, with Grafana's variables expanded, runs as an instant query
// (/api/v1/query) and a range query (/api/v1/query_range) over the test's run, all at one
// evaluation time, twice: with every multi-value variable at "All" (allValue .+) and at the real
// values, regex-escaped as Grafana's Prometheus datasource does. Each must
// - succeed with at least one series holding a finite value, in both modes;
// - in the mode Grafana sends for the target (instant: true -> instant, else range), hold a
//   finite value in every series (a series without one is a "NaN" tile or an empty legend entry);
// - return the same series at "All" as at the real values: in this stack "All" selects exactly
//   the one exporter, so a difference is a series of another job (Alertmanager, node_exporter and
//   Prometheus publish process_* too) the panel would show;
// - if it reads ALERTS, return at "All" what it returns without its job and instance filters: no
//   firing alert is filtered out (an alert may lack instance, as ExporterDown's absent() branch).
// The query variables (label_values) must offer the real job and instances.
//
// The copies of the shipped files differ from them by AlertPathIT's documented transformations
// (tests/integration/alert_path_test.cpp): rules' `for: Nm` -> `for: Ns`; alertmanager.yml's
// secrets in the test's directory, its webhook the exporter's side port, Slack a local receiver,
// SMTP a loopback port nothing listens on, group_wait and group_interval 1 s.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "support/alerting.h"
#include "support/control_client.h"
#include "support/ports.h"
#include "support/stack.h"
#include "support/ws_client.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kDashboards = {
    "l0-pipeline-monitoring.json", "pipeline-health-overview.json", "alerting-dashboard.json"};
constexpr int kStepSeconds = 2;  // the range queries' step: Grafana's $__interval
constexpr int kScrapeSeconds = 1;
// The exporter's scrape job, as deploy/prometheus names it (ExporterDown requires it).
const std::string kExporterJob = "usdcop_exporter";

// Targets that return nothing in this setup by design, keyed "file / panel title / refId", with
// the reason. A listed target that returns data fails the test, so the list cannot go stale.
const std::map<std::string, std::string> kEmptyByDesign = {};

std::string RandomToken() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 24; ++i) out += "0123456789abcdef"[rd() % 16];
  return out;
}

std::string UtcDate(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

bool OnPath(const std::string& program) {
  return RunCommand({"sh", "-c", "command -v " + program}, "").exit_code == 0;
}

// Grafana's Prometheus datasource escapes a multi-value variable's value for a regex matcher
// (prometheusSpecialRegexEscape): each special character gets two backslashes in the query text.
std::string GrafanaRegexEscape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (std::string("$^*{}[]'+?.()|").find(c) != std::string::npos) out += "\\\\";
    out += c;
  }
  return out;
}

// Replaces ${name} and $name for every variable, longest names first.
std::string Expand(std::string expr, const std::map<std::string, std::string>& vars) {
  std::vector<std::pair<std::string, std::string>> ordered(vars.begin(), vars.end());
  std::sort(ordered.begin(), ordered.end(),
            [](auto& a, auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [name, value] : ordered) {
    for (const std::string& form : {"${" + name + "}", "$" + name}) {
      for (size_t at = expr.find(form); at != std::string::npos;
           at = expr.find(form, at + value.size()))
        expr.replace(at, form.size(), value);
    }
  }
  return expr;
}

struct Target {
  std::string file, panel, ref, expr;
  bool grafana_instant = false, grafana_range = true;  // the queries Grafana sends for it
};

struct Variable {
  std::string file, name, metric_selector, label;
};

void CollectPanels(const json& panels, const std::string& file, std::vector<Target>& out) {
  for (const json& p : panels) {
    if (p.contains("panels")) CollectPanels(p["panels"], file, out);
    for (const json& t : p.value("targets", json::array())) {
      // Grafana's Prometheus datasource: a range query unless the target asks for instant only.
      const bool instant = t.value("instant", false), range = t.value("range", !instant);
      out.push_back(
          {file, p.value("title", ""), t.value("refId", ""), t.value("expr", ""), instant, range});
    }
  }
}

// The outcome of one query: an error, or the series (their label sets, sorted), whether any
// value is finite, and the series without a finite value.
struct Outcome {
  std::string error;
  std::vector<std::string> series;
  bool finite = false;
  std::vector<std::string> not_finite;
  std::vector<std::string> values;  // "labels value" of an instant query's series, sorted
  std::string body;
};

// The expression with the job and instance matchers of each ALERTS selector removed.
std::string WithoutAlertsFilters(const std::string& expr) {
  static const std::regex selector(R"(ALERTS\{([^}]*)\})");
  static const std::regex matcher(R"re(\s*(job|instance)\s*=~\s*"(?:[^"\\]|\\.)*"\s*)re");
  std::string out;
  auto begin = expr.cbegin();
  for (std::sregex_iterator it(expr.begin(), expr.end(), selector), end; it != end; ++it) {
    out.append(begin, expr.cbegin() + it->position());
    std::string inner = std::regex_replace(it->str(1), matcher, "");
    inner = std::regex_replace(inner, std::regex(",{2,}"), ",");
    inner = std::regex_replace(inner, std::regex("^,|,$"), "");
    out += "ALERTS{" + inner + "}";
    begin = expr.cbegin() + it->position() + it->length();
  }
  out.append(begin, expr.cend());
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items) out += "\n    " + i;
  return out.empty() ? " (none)" : out;
}

class DashboardsIT : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool :
         {"prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "sha256sum"})
      if (!OnPath(tool)) GTEST_SKIP() << tool << " not found (bash scripts/install-deps)";
    zone_ = AlwaysOpenZone();
    StartSimulator();
    ASSERT_FALSE(HasFatalFailure());
    StartNodeExporter();
    ASSERT_FALSE(HasFatalFailure());
    do exporter_port_ = FreeLowPort();
    while (exporter_port_ == node_port_);
    do control_port_ = FreeLowPort();
    while (control_port_ == exporter_port_ || control_port_ == node_port_);
    alertmanager_ = std::make_unique<AlertmanagerServer>(stack_.Dir(), AlertmanagerCopy());
    WriteExporterConfig();
    stack_.SetExporterListen("127.0.0.1:" + std::to_string(exporter_port_));
    ASSERT_TRUE(trader_.Connect({.port = ws_port_}, 5s)) << trader_.error();
    stack_.StartExporter({"--control.listen-address=127.0.0.1:" + std::to_string(control_port_)});
    prometheus_start_ = std::time(nullptr);
    prometheus_port_ = FreeLowPort();  // chosen now: every other server listens already
    prometheus_ = std::make_unique<PrometheusServer>(stack_.Dir(), PrometheusConfig(),
                                                     PrometheusOptions{.port = prometheus_port_});
    ASSERT_TRUE(Eventually([&] { return Scalar("count(up == 1)") == 4; }, 30s))
        << prometheus_->Query("up").dump() << "\n"
        << prometheus_->Log();
    ASSERT_TRUE(Eventually([&] { return Scalar("count(usdcop_probe_success == 1)") == 7; }, 30s))
        << stack_.ScrapeText();
  }

  void StartSimulator() {
    stack_.WriteFile("td_primary", primary_key_ + "\n");
    stack_.WriteFile("td_backup", backup_key_ + "\n");
    stack_.StartSim({"--auto",
                     "--speed",
                     "300",
                     "--market.sqlite",
                     stack_.File("market.db"),
                     "--market.calendar",
                     "always",
                     "--market.timezone",
                     zone_,
                     "--market.bar-interval",
                     "2s",
                     "--market.latency",
                     "500ms",
                     "--market.backfill-days",
                     "1",
                     "--ready.flag-file",
                     stack_.File("l0_ready.flag"),
                     "--websocket.listen",
                     "127.0.0.1:0",
                     "--websocket.port-file",
                     stack_.File("ws.port"),
                     "--backups.dir",
                     stack_.File("backups"),
                     "--backups.layers",
                     "L0",
                     "--backups.cadence",
                     "1h",
                     "--backups.backfill",
                     "2"});
    std::ifstream(stack_.File("ws.port")) >> ws_port_;
    ASSERT_GT(ws_port_, 0);
    stack_.Sim("/sim/vendor/keys",
               R"({"id": "primary", "current_usage": 2, "daily_usage": 120, "apikey": ")" +
                   primary_key_ + "\"}");
    stack_.Sim("/sim/vendor/keys",
               R"({"id": "backup", "current_usage": 0, "daily_usage": 3, "apikey": ")" +
                   backup_key_ + "\"}");
  }

  void StartNodeExporter() {
    node_port_ = FreeLowPort();
    node_ = std::make_unique<Process>(
        std::vector<std::string>{"prometheus-node-exporter",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(node_port_),
                                 "--collector.disable-defaults", "--collector.cpu",
                                 "--collector.meminfo", "--collector.loadavg", "--collector.uname"},
        stack_.File("node_exporter.log"));
    httplib::Client c("127.0.0.1", node_port_);
    c.set_connection_timeout(1s);
    ASSERT_TRUE(Eventually(
        [&] {
          auto r = c.Get("/metrics");
          return r && r->status == 200;
        },
        10s))
        << node_->Log();
  }

  void WriteExporterConfig() {
    const std::string sim = "127.0.0.1:" + std::to_string(stack_.sim_port());
    const std::string ws = "127.0.0.1:" + std::to_string(ws_port_);
    const auto now = std::chrono::system_clock::now();
    const std::string created = UtcDate(now - std::chrono::hours(24 * 40));
    const std::string expires_soon =
        UtcDate(now + std::chrono::hours(24 * 4));  // ApiKeyRotationDue fires
    const std::string expires_late = UtcDate(now + std::chrono::hours(24 * 200));
    std::string layers;
    for (size_t i = 0; i < kDagIds.size(); ++i)
      layers += "      - {layer: L" + std::to_string(i) + ", dag_id: " + kDagIds[i] +
                ", records_xcom: {task_id: report, key: records}}\n";
    stack_.WriteConfig(
        AlwaysOpenCalendarYaml(zone_, "2s") +
        "probes:\n  pipeline:\n    interval: 1s\n    timeout: 900ms\n    airflow:\n      url: "
        "http://" +
        sim +
        "\n      api: v1\n      username: admin\n      password_file: airflow_password\n    "
        "layers:\n" +
        layers +
        "  market_data:\n    interval: 1s\n    timeout: 900ms\n    source: {sqlite: market.db}\n"
        "    windows: [session]\n    arrival_grace: 1s\n    lookback: 1m\n"
        "  ready_signal:\n    interval: 1s\n    timeout: 900ms\n    flag_file: l0_ready.flag\n"
        "    handover: {status_url: 'http://" +
        ws +
        "/status'}\n"
        "  backups:\n    interval: 1s\n    timeout: 900ms\n    layers:\n"
        "      - {layer: L0, path: backups/l0, cadence: 1h, retention: 1d}\n"
        "  websocket:\n    interval: 1s\n    timeout: 900ms\n    url: ws://" +
        ws + "/ws\n    status_url: http://" + ws +
        "/status\n    connect_timeout: 300ms\n    handshake_timeout: 300ms\n    read_timeout: "
        "500ms\n"
        "  vendor_api:\n    interval: 1s\n    timeout: 900ms\n    url: http://" +
        sim +
        "\n    keys:\n"
        "      - {id: primary, key_file: td_primary, created: " +
        created + ", expires: " + expires_soon +
        "}\n"
        "      - {id: backup, key_file: td_backup, created: " +
        created + ", expires: " + expires_late +
        "}\n"
        "    active_key: primary\n"
        "  alertmanager: {interval: 1s, timeout: 800ms, url: 'http://127.0.0.1:" +
        std::to_string(alertmanager_->port()) +
        "'}\n"
        "control:\n  tokens:\n"
        "    - {name: ops, sha256: " +
        Sha256Hex(operator_token_) +
        ", role: operator}\n"
        "    - {name: alertmanager, sha256: " +
        Sha256Hex(webhook_token_) +
        ", role: webhook}\n"
        "  rate_limit: {per_second: 1000, burst: 1000}\n");
  }

  std::string AlertmanagerCopy() {
    return WriteAlertmanagerTestCopy(
        stack_.File("am"), slack_.Url("/slack"),
        "http://127.0.0.1:" + std::to_string(control_port_) + "/api/alerts/webhook",
        webhook_token_);
  }

  std::string PrometheusConfig() {
    const std::string rules = stack_.File("rules");
    WriteShortenedRules(rules);
    auto target = [](int port) {
      return "[{targets: ['127.0.0.1:" + std::to_string(port) + "']}]";
    };
    return "global: {scrape_interval: " + std::to_string(kScrapeSeconds) +
           "s, evaluation_interval: 1s}\n"
           "rule_files: ['" +
           rules +
           "/*.yml']\n"
           "alerting:\n  alertmanagers:\n    - static_configs: " +
           target(alertmanager_->port()) +
           "\n"
           "scrape_configs:\n"
           "  - {job_name: " +
           kExporterJob + ", static_configs: " + target(exporter_port_) +
           "}\n"
           "  - {job_name: alertmanager, static_configs: " +
           target(alertmanager_->port()) +
           "}\n"
           "  - {job_name: node, static_configs: " +
           target(node_port_) +
           "}\n"
           "  - {job_name: prometheus, static_configs: " +
           target(prometheus_port_) + "}\n";
  }

  double Scalar(const std::string& promql) const {
    json r = prometheus_->Query(promql);
    if (!r.is_array() || r.empty()) return -1;
    return std::stod(r[0]["value"][1].get<std::string>());
  }

  int Control(const std::string& body) {
    httplib::Client c("127.0.0.1", control_port_);
    c.set_read_timeout(20s);
    auto r = c.Post("/api/alerts/system", {{"Authorization", "Bearer " + operator_token_}}, body,
                    "application/json");
    return r ? r->status : 0;
  }

  // Waits until the exporter has received `alertname`'s notification with `status`.
  void AwaitNotification(const std::string& alertname, const std::string& status) {
    ASSERT_TRUE(stack_.WaitForAtLeast("usdcop_alert_notifications_received_total{alertname=\"" +
                                          alertname + "\",severity=\"critical\",status=\"" +
                                          status + "\"}",
                                      1, 90s))
        << alertname << " " << status
        << " never reached the exporter's webhook\nALERTS: " << prometheus_->Query("ALERTS").dump()
        << "\n"
        << alertmanager_->Log();
  }

  // Waits until Prometheus has scraped `count` observations of the histogram's critical series.
  void AwaitScraped(const std::string& histogram, int count) {
    const std::string q = histogram + "_count{severity=\"critical\"}";
    ASSERT_TRUE(Eventually([&] { return Scalar(q) >= count; }, 30s))
        << q << ": " << prometheus_->Query(q).dump();
  }

  Outcome Run(const std::string& path, const httplib::Params& params) const {
    httplib::Client c("127.0.0.1", prometheus_->port());
    c.set_read_timeout(10s);
    Outcome out;
    auto r = c.Post(path, params);
    if (!r) return {.error = "no answer from Prometheus"};
    out.body = r->body.substr(0, 600);
    json j = json::parse(r->body, nullptr, false);
    if (r->status != 200 || !j.is_object() || j.value("status", "") != "success")
      return {.error = "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 400)};
    const json& result = j["data"]["result"];
    if (!result.is_array()) return {.error = "not a vector or matrix: " + r->body.substr(0, 400)};
    for (const json& s : result) {
      const std::string labels = s.value("metric", json::object()).dump();
      out.series.push_back(labels);
      std::vector<json> points;
      if (s.contains("value")) {
        points.push_back(s["value"]);
        out.values.push_back(labels + " " + s["value"][1].get<std::string>());
      }
      for (const json& v : s.value("values", json::array())) points.push_back(v);
      bool finite = false;
      for (const json& p : points)
        if (std::isfinite(std::strtod(p[1].get<std::string>().c_str(), nullptr))) finite = true;
      out.finite = out.finite || finite;
      if (!finite) out.not_finite.push_back(labels);
    }
    std::sort(out.series.begin(), out.series.end());
    std::sort(out.values.begin(), out.values.end());
    return out;
  }

  // Runs every target with `vars` expanded, as an instant query at `end` and a range query over
  // [start, end]. `reference`: the outcomes of an earlier pass at the same times, which these
  // must equal series for series; the outcomes of this pass are added to `outcomes`.
  void RunEveryTarget(const std::vector<Target>& targets, std::map<std::string, std::string> vars,
                      const std::string& pass, long start, long end,
                      const std::map<std::string, Outcome>* reference,
                      std::map<std::string, Outcome>& outcomes) {
    vars["__rate_interval"] =
        std::to_string(std::max(4 * kScrapeSeconds, kStepSeconds + kScrapeSeconds)) + "s";
    vars["__interval"] = std::to_string(kStepSeconds) + "s";
    vars["__interval_ms"] = std::to_string(kStepSeconds * 1000);
    vars["__range"] = std::to_string(end - start) + "s";
    vars["__range_s"] = std::to_string(end - start);
    vars["__range_ms"] = std::to_string((end - start) * 1000);
    auto instant = [&](const std::string& expr) {
      return Run("/api/v1/query", {{"query", expr}, {"time", std::to_string(end)}});
    };
    for (const Target& t : targets) {
      const std::string key = t.file + " / " + t.panel + " / " + t.ref;
      const std::string expr = Expand(t.expr, vars);
      SCOPED_TRACE(pass + ": " + key + "\n" + expr);
      ASSERT_EQ(expr.find('$'), std::string::npos) << "a variable the test does not know";
      const auto empty = kEmptyByDesign.find(key);
      for (const auto& [mode, outcome] :
           {std::pair{std::string("instant"), instant(expr)},
            std::pair{std::string("range"),
                      Run("/api/v1/query_range", {{"query", expr},
                                                  {"start", std::to_string(start)},
                                                  {"end", std::to_string(end)},
                                                  {"step", std::to_string(kStepSeconds)}})}}) {
        ++queries_run_;
        const std::string where = key + " (" + mode + ", " + pass + ")";
        outcomes[key + " " + mode] = outcome;
        EXPECT_EQ(outcome.error, "") << where << " failed:\n  " << expr;
        if (!outcome.error.empty()) continue;
        if (empty != kEmptyByDesign.end()) {
          EXPECT_FALSE(outcome.finite) << key << " is listed as empty by design (" << empty->second
                                       << ") but returned data: remove it from kEmptyByDesign";
          continue;
        }
        EXPECT_TRUE(!outcome.series.empty() && outcome.finite)
            << where << " returned " << outcome.series.size() << " series and no finite value:\n  "
            << expr << "\n  " << outcome.body;
        const bool sent = mode == "instant" ? t.grafana_instant : t.grafana_range;
        EXPECT_TRUE(!sent || outcome.not_finite.empty())
            << where
            << ", a query Grafana sends for this panel, has series without a finite value (a NaN "
            << "tile, an empty legend entry):" << Join(outcome.not_finite) << "\n  " << expr;
        if (reference != nullptr) {
          const auto ref = reference->find(key + " " + mode);
          if (ref != reference->end() && ref->second.error.empty()) {
            EXPECT_EQ(outcome.series, ref->second.series)
                << where
                << ": the series differ from those at the other pass, at the same time; at \"All\" "
                << "the panel shows series the real values do not select (another job's?)\n  at "
                   "the real values:"
                << Join(outcome.series) << "\n  at All:" << Join(ref->second.series) << "\n  "
                << expr;
          }
        }
      }
      if (reference == nullptr && expr.find("ALERTS{") != std::string::npos &&
          empty == kEmptyByDesign.end()) {
        const std::string unfiltered = WithoutAlertsFilters(expr);
        const Outcome all_alerts = instant(unfiltered), shown = outcomes[key + " instant"];
        ++queries_run_;
        EXPECT_EQ(all_alerts.error, "") << unfiltered;
        EXPECT_EQ(shown.values, all_alerts.values)
            << key << " (instant, " << pass
            << ") filters out firing alerts: its job and instance filters at \"All\" "
            << "drop alerts without those labels\n  shown:" << Join(shown.values)
            << "\n  all:" << Join(all_alerts.values) << "\n  " << expr << "\n  " << unfiltered;
      }
    }
  }

  // Each query variable (label_values(SELECTOR, LABEL)) offers the expected value.
  void CheckVariables(const std::vector<Variable>& variables,
                      const std::map<std::string, std::string>& all,
                      const std::map<std::string, std::string>& expected) {
    httplib::Client c("127.0.0.1", prometheus_->port());
    for (const Variable& v : variables) {
      const std::string selector = Expand(v.metric_selector, all);
      auto r = c.Get(
          "/api/v1/label/" + v.label + "/values",
          httplib::Params{{"match[]", selector}, {"start", std::to_string(prometheus_start_)}},
          httplib::Headers{});
      ASSERT_TRUE(r && r->status == 200) << v.file << " variable " << v.name << ": " << selector;
      const auto values = json::parse(r->body)["data"].get<std::vector<std::string>>();
      ASSERT_TRUE(expected.count(v.name))
          << v.file << ": a variable the test does not know: " << v.name;
      EXPECT_THAT(values, ::testing::Contains(expected.at(v.name)))
          << v.file << " variable " << v.name << " = label_values(" << selector << ", " << v.label
          << ")";
    }
  }

  WebhookReceiver slack_;
  Stack stack_;
  WsClient trader_;
  std::unique_ptr<Process> node_;
  std::unique_ptr<AlertmanagerServer> alertmanager_;
  std::unique_ptr<PrometheusServer> prometheus_;
  std::string primary_key_ = "planted-TD-primary-" + RandomToken();
  std::string backup_key_ = "planted-TD-backup-" + RandomToken();
  std::string operator_token_ = RandomToken();
  std::string webhook_token_ = RandomToken();
  std::string zone_;  // the always-open calendar's (AlwaysOpenZone)
  int ws_port_ = 0, exporter_port_ = 0, control_port_ = 0, node_port_ = 0, prometheus_port_ = 0;
  long prometheus_start_ = 0;
  int queries_run_ = 0;
};

TEST_F(DashboardsIT, EveryPanelQueryReturnsDataAgainstTheRealStack) {
  // Load the dashboards first: a broken file fails before any waiting.
  std::vector<Target> targets;
  std::vector<Variable> variables;
  for (const std::string& file : kDashboards) {
    json dash = json::parse(
        ReadText(std::string(USDCOP_SOURCE_DIR) + "/grafana-dashboards/" + file), nullptr, false);
    ASSERT_TRUE(dash.is_object()) << file << " is not JSON";
    CollectPanels(dash["panels"], file, targets);
    for (const json& v : dash["templating"]["list"]) {
      if (v.value("type", "") != "query") continue;
      const json& q = v["query"];
      const std::string text = q.is_object() ? q.value("query", "") : q.get<std::string>();
      std::smatch m;
      ASSERT_TRUE(
          std::regex_match(text, m, std::regex(R"(\s*label_values\((.*),\s*([a-zA-Z_]+)\s*\)\s*)")))
          << file << " variable " << v.value("name", "") << ": " << text;
      variables.push_back({file, v.value("name", ""), m[1], m[2]});
    }
  }
  ASSERT_FALSE(targets.empty());

  // Faults: a corrupted backup (BackupIntegrityFailed), a gap in L0 (L0DataGap), a vendor key at
  // 96 % (VendorApiRateLimitCritical), the WebSocket refusing upgrades (WebSocketDown, probe
  // errors), the next L0 run failing (failed runs). ApiKeyRotationDue fires from the start.
  stack_.Sim("/sim/backups/fault", R"({"fault": "flip_byte", "layer": "L0"})");
  stack_.Sim("/sim/market/fault", R"({"fault": "gap", "bars": 2})");
  stack_.Sim("/sim/vendor/fault", R"({"fault": "usage_96", "id": "primary"})");
  stack_.Sim("/sim/websocket/fault", R"({"fault": "refuse_upgrade"})");
  stack_.Sim("/sim/airflow/fault", R"({"fault": "fail_next", "dag_id": ")" + kDagIds[0] + "\"}");
  for (const char* alert :
       {"BackupIntegrityFailed", "L0DataGap", "VendorApiRateLimitCritical", "WebSocketDown"})
    AwaitNotification(alert, "firing");
  ASSERT_FALSE(HasFatalFailure());

  // One acknowledgement and two resolutions (the WebSocket's, so that its handshake and
  // first-message latencies are published again). The exporter publishes the lifecycle
  // histograms of each severity from zero observations, so increase(...[$__range]) counts the
  // first observation.
  ASSERT_EQ(
      Control(
          R"({"action": "acknowledge-alert", "alertname": "BackupIntegrityFailed", "comment": "dashboards test"})"),
      200);
  AwaitScraped("usdcop_alert_acknowledgement_seconds", 1);
  stack_.Sim("/sim/vendor/fault", R"({"fault": "none"})");
  stack_.Sim("/sim/websocket/fault", R"({"fault": "none"})");
  AwaitNotification("VendorApiRateLimitCritical", "resolved");
  AwaitNotification("WebSocketDown", "resolved");
  AwaitScraped("usdcop_alert_resolution_seconds", 2);
  ASSERT_FALSE(HasFatalFailure());
  // A few more scrapes and evaluations, so that every rate window holds two samples after the
  // last change: every target scraped 4 intervals after now (evaluations run every second).
  const double changed = static_cast<double>(std::time(nullptr));
  ASSERT_TRUE(
      Eventually([&] { return Scalar("min(timestamp(up))") >= changed + 4 * kScrapeSeconds; }, 30s))
      << prometheus_->Query("timestamp(up)").dump();

  // Every query at one time, two seconds ago: every scrape and evaluation up to it is stored, so
  // the two passes see the same data.
  const long end = std::time(nullptr) - 2;
  const long start = prometheus_start_ + 2;
  const std::map<std::string, std::string> all = {
      {"job", ".+"}, {"instance", ".+"}, {"node", ".+"}, {"alertmanager", ".+"}};
  const std::string exporter = "127.0.0.1:" + std::to_string(exporter_port_);
  const std::string node = "127.0.0.1:" + std::to_string(node_port_);
  const std::string am = "127.0.0.1:" + std::to_string(alertmanager_->port());
  CheckVariables(
      variables, all,
      {{"job", kExporterJob}, {"instance", exporter}, {"node", node}, {"alertmanager", am}});
  std::map<std::string, Outcome> at_all, at_real;
  RunEveryTarget(targets, all, "variables at All", start, end, nullptr, at_all);
  RunEveryTarget(targets,
                 {{"job", GrafanaRegexEscape(kExporterJob)},
                  {"instance", GrafanaRegexEscape(exporter)},
                  {"node", GrafanaRegexEscape(node)},
                  {"alertmanager", GrafanaRegexEscape(am)}},
                 "variables at the real values", start, end, &at_all, at_real);
  std::cout << "dashboards: " << targets.size() << " targets, " << queries_run_ << " queries run, "
            << kEmptyByDesign.size() << " target(s) empty by design" << std::endl;
}

}  // namespace
}  // namespace usdcop::testing
