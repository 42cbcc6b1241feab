#include "app/endpoint_table.h"

#include <filesystem>

#include "actions/airflow_actions.h"
#include "actions/alertmanager_actions.h"
#include "actions/backup_actions.h"
#include "actions/hook_action.h"
#include "control/status_view.h"
#include "control/views.h"
#include "probes/probe_kinds.h"

namespace usdcop {
namespace {

using nlohmann::json;
using Kind = ParamSpec::Kind;

ActionSpec Unconfigured(std::string name, std::vector<ParamSpec> params, std::string hint) {
  return ActionSpec{std::move(name), std::move(params), true, nullptr, std::move(hint)};
}

// The exporter's own actions of /api/l0/health.
ActionSpec RunChecks(const ControlDeps& d) {
  return ActionSpec{
      "run-checks",
      {},
      false,
      [&d](const ActionCall& call) -> ActionResult {
        const double since = ToUnixSeconds(d.clock.Now());
        std::vector<std::string> names = d.scheduler.RunNow({});
        bool done = d.board.WaitForRunsSince(names, since, call.deadline);
        json body = L0HealthView(d.board.Snapshot(), d.clock.Now());
        body["action"] = "run-checks";
        body["probes_run"] = names;
        body["completed"] = done;
        if (!done) {
          body["error"] =
              "not every probe finished within the action's timeout; the answer has the results so "
              "far";
          return {504, body, "ran " + std::to_string(names.size()) + " probe(s), not all finished"};
        }
        return {200, body, "ran " + std::to_string(names.size()) + " probe(s)"};
      },
      ""};
}

std::vector<std::string> LayersOf(const PipelineProbeConfig* p, bool dags_only) {
  std::vector<std::string> out;
  if (p)
    for (const LayerConfig& l : p->layers)
      if (!dags_only || !l.dag_id.empty()) out.push_back(l.layer);
  return out;
}

std::string DagOf(const PipelineProbeConfig& p, const std::string& layer) {
  for (const LayerConfig& l : p.layers)
    if (l.layer == layer) return l.dag_id;
  return "";
}

std::vector<ActionSpec> PipelineActions(const Config& c, const ControlDeps& d) {
  const auto& section = c.probes.Get<PipelineKind>();
  const std::vector<std::string> layers = LayersOf(section ? &*section : nullptr, true);
  const ParamSpec layer{"layer", Kind::kString, true, layers, 256, {"component"}};
  const std::vector<ParamSpec> one_layer = {layer};
  const std::vector<ParamSpec> clear = {layer, {"since", Kind::kDuration}};
  if (!section || !section->airflow || layers.empty()) {
    const std::string hint =
        "configure probes.pipeline.airflow and a dag_id for the layers it acts on";
    return {Unconfigured("restart-component", one_layer, hint),
            Unconfigured("clear-errors", clear, hint), Unconfigured("force-sync", one_layer, hint)};
  }
  auto airflow = std::make_shared<AirflowActions>(*section->airflow, d.http, d.clock);
  auto pipeline = std::make_shared<PipelineProbeConfig>(*section);
  auto dag = [pipeline](const ActionCall& call) {
    return DagOf(*pipeline, call.params["layer"].get<std::string>());
  };
  return {
      {"restart-component", one_layer, true,
       [airflow, dag](const ActionCall& call) {
         return airflow->RestartComponent(call, dag(call));
       },
       ""},
      {"clear-errors", clear, true,
       [airflow, dag](const ActionCall& call) { return airflow->ClearErrors(call, dag(call)); },
       ""},
      {"force-sync", one_layer, true,
       [airflow, dag](const ActionCall& call) {
         return airflow->Trigger(call, dag(call), "force-sync");
       },
       ""},
  };
}

std::vector<ActionSpec> BackupActions(const Config& c, const ControlDeps& d) {
  std::vector<std::string> layers;
  const auto& section = c.probes.Get<BackupsKind>();
  const auto& pipeline = c.probes.Get<PipelineKind>();
  if (section)
    for (const BackupLayerConfig& l : section->layers) layers.push_back(l.layer);
  std::vector<std::string> backup_dag_layers;
  if (c.control)
    for (const auto& [layer, dag] : c.control->backup_dags) backup_dag_layers.push_back(layer);
  std::vector<ActionSpec> out;
  const ParamSpec trigger_layer{"layer", Kind::kString, true, backup_dag_layers};
  if (!pipeline || !pipeline->airflow || backup_dag_layers.empty()) {
    out.push_back(Unconfigured(
        "trigger-backup", {trigger_layer},
        "configure probes.pipeline.airflow and control.backup_dags (layer: the DAG that "
        "writes its backups)"));
  } else {
    auto airflow = std::make_shared<AirflowActions>(*pipeline->airflow, d.http, d.clock);
    auto dags = std::make_shared<std::map<std::string, std::string>>(c.control->backup_dags);
    out.push_back({"trigger-backup",
                   {trigger_layer},
                   true,
                   [airflow, dags](const ActionCall& call) {
                     return airflow->Trigger(
                         call, dags->at(call.params["layer"].get<std::string>()), "trigger-backup");
                   },
                   ""});
  }
  const ParamSpec optional_layer{"layer", Kind::kString, false, layers};
  const ParamSpec required_layer{"layer", Kind::kString, true, layers};
  if (!section || layers.empty()) {
    const std::string hint = "configure probes.backups with the layers' backup directories";
    out.push_back(Unconfigured("verify-integrity", {optional_layer}, hint));
    out.push_back(Unconfigured("test-recovery", {required_layer}, hint));
    return out;
  }
  auto backups = std::make_shared<BackupsProbeConfig>(*section);
  std::string scratch = c.control ? c.control->scratch_dir : "";
  if (scratch.empty())
    scratch = (std::filesystem::absolute(d.storage_path).parent_path() / "recovery-test").string();
  const Clock& clock = d.clock;
  out.push_back({"verify-integrity",
                 {optional_layer},
                 false,
                 [backups, &clock](const ActionCall& call) {
                   return VerifyIntegrityNow(call, backups->layers, backups->max_bytes_per_second,
                                             clock);
                 },
                 ""});
  out.push_back({"test-recovery",
                 {required_layer},
                 true,
                 [backups, scratch, &clock](const ActionCall& call) {
                   const std::string layer = call.params["layer"].get<std::string>();
                   for (const BackupLayerConfig& l : backups->layers)
                     if (l.layer == layer) return TestRecovery(call, l, scratch, clock);
                   return ActionResult{
                       400, {{"error", "unknown layer"}, {"field", "layer"}}, "unknown layer"};
                 },
                 ""});
  return out;
}

// The hook-served actions of one endpoint.
std::vector<ActionSpec> HookActions(
    const Config& c, const ControlDeps& d,
    const std::vector<std::pair<std::string, std::vector<ParamSpec>>>& actions) {
  std::vector<ActionSpec> out;
  for (const auto& [name, params] : actions) {
    const HookConfig* hook = nullptr;
    if (c.control) {
      auto it = c.control->actions.find(name);
      if (it != c.control->actions.end()) hook = &it->second;
    }
    if (!hook) {
      out.push_back(Unconfigured(
          name, params,
          "give control.actions." + name +
              " a hook: {command: [program, args...], timeout: 30s} or {url: https://...}"));
      continue;
    }
    HttpClient& http = d.http;
    // A copy: clang 14 cannot capture a structured binding (the thread-safety check compiles with
    // it).
    out.push_back({name, params, true,
                   [name = std::string(name), hook = *hook, &http](const ActionCall& call) {
                     return RunHookAction(call, name, hook, http);
                   },
                   ""});
  }
  return out;
}

std::vector<ActionSpec> AlertActions(const Config& c, const ControlDeps& d, bool l0) {
  // alertId (the replaced system's name): a fingerprint when it looks like one, else an alertname.
  const ParamSpec fingerprint{"fingerprint",
                              Kind::kString,
                              false,
                              {},
                              256,
                              {"alertId"},
                              "[0-9a-f]{16}",
                              "16 hex digits, Alertmanager's fingerprint of the alert"};
  const ParamSpec alertname{"alertname", Kind::kString, false, {}, 256, {"alertId"}};
  const std::vector<ParamSpec> acknowledge = {fingerprint,
                                              alertname,
                                              {"comment", Kind::kString, false, {}, 500},
                                              {"duration", Kind::kDuration},
                                              {"user", Kind::kString, false, {}, 128}};
  const std::vector<ParamSpec> resolve = {fingerprint, alertname, {"silence_id", Kind::kString}};
  const std::vector<ParamSpec> reset = {{"alertname", Kind::kString}};
  const std::vector<ParamSpec> test = {{"severity", Kind::kString, false, {"warning", "critical"}}};
  AlertmanagerTarget target;
  if (c.control && !c.control->alertmanager_url.empty()) {
    target = {c.control->alertmanager_url, c.control->alertmanager_ca_file, "", Secret()};
  } else if (const auto& section = c.probes.Get<AlertmanagerKind>()) {
    target = {section->url, section->ca_file, section->username, section->password};
  }
  if (target.url.empty()) {
    const std::string hint =
        "configure probes.alertmanager, or give control.alertmanager.url (Alertmanager's base URL)";
    if (l0) return {Unconfigured("reset-alerts", reset, hint)};
    return {Unconfigured("acknowledge-alert", acknowledge, hint),
            Unconfigured("resolve-alert", resolve, hint),
            Unconfigured("test-notification", test, hint)};
  }
  auto am = std::make_shared<AlertmanagerActions>(std::move(target), c.control->acknowledge_for,
                                                  d.http, d.alerts, d.clock);
  if (l0)
    return {{"reset-alerts", reset, true, [am](const ActionCall& call) { return am->Reset(call); },
             ""}};
  return {
      {"acknowledge-alert", acknowledge, true,
       [am](const ActionCall& call) { return am->Acknowledge(call); }, ""},
      {"resolve-alert", resolve, true, [am](const ActionCall& call) { return am->Resolve(call); },
       ""},
      {"test-notification", test, true,
       [am](const ActionCall& call) { return am->TestNotification(call); }, ""},
  };
}

// The status page's summary, rendered once per (results, millisecond) as the views are.
std::function<std::shared_ptr<const std::string>()> StatusEndpoint(const Config& c,
                                                                   const ControlDeps& d) {
  auto context = std::make_shared<StatusContext>();
  ForEachProbeKind([&]<class K>(std::type_identity<K>) {
    if (const auto& section = c.probes.Get<K>())
      context->interval_seconds[std::string(K::kName)] =
          std::chrono::duration<double>(section->interval).count();
  });
  if (auto calendar = TradingCalendar::Create(c.calendar); calendar.ok())
    context->calendar = *calendar;
  if (c.control) context->runbook_base_url = c.control->runbook_base_url;
  const AlertLifecycle& alerts = d.alerts;
  const TrendBuffer& trends = d.trends;
  auto cache = std::make_shared<ViewCache>(
      d.board, d.clock, [context, &alerts, &trends](const BoardSnapshot& board, SysTime now) {
        return StatusView(board, alerts, trends, *context, now);
      });
  return [cache] { return cache->Get(); };
}

template <typename... Lists>
std::vector<ActionSpec> Concat(Lists... lists) {
  std::vector<ActionSpec> out;
  (out.insert(out.end(), lists.begin(), lists.end()), ...);
  return out;
}

}  // namespace

std::shared_ptr<const ControlSetup> BuildControlSetup(const Config& c, const ControlDeps& d) {
  if (!c.control) return nullptr;
  auto setup = std::make_shared<ControlSetup>();
  setup->tokens = c.control->tokens;
  setup->basic_auth_users = c.control->basic_auth_users;
  setup->per_second = c.control->rate_per_second;
  setup->burst = c.control->rate_burst;
  setup->idempotency_ttl = c.control->idempotency_ttl;
  setup->audit_retention = c.control->audit_retention;
  setup->action_timeout = c.control->action_timeout;
  setup->session_ttl = c.control->session_ttl;
  std::vector<std::string> key_ids, providers;
  if (const auto& vendor_api = c.probes.Get<VendorApiKind>()) {
    for (const VendorKeyConfig& k : vendor_api->keys) key_ids.push_back(k.id);
    providers.push_back(vendor_api->provider);
  }
  const std::vector<ParamSpec> key = {{"key_id", Kind::kString, false, key_ids},
                                      {"provider", Kind::kString, false, providers}};
  const ResultBoard& board = d.board;
  const Clock& clock = d.clock;
  const AlertLifecycle& alerts = d.alerts;
  auto view = [&board, &clock](ViewCache::Render render) {
    auto cache = std::make_shared<ViewCache>(board, clock, std::move(render));
    return [cache] { return cache->Get(); };
  };
  setup->endpoints = {
      {"/api/l0/health", view(L0HealthView),
       Concat(std::vector<ActionSpec>{RunChecks(d)}, AlertActions(c, d, true))},
      {"/api/pipeline/health", view(PipelineHealthView), PipelineActions(c, d)},
      {"/api/backup/status", view(BackupStatusView), BackupActions(c, d)},
      {"/api/websocket/status", view(WebSocketStatusView),
       HookActions(c, d,
                   {{"restart-websocket", {}}, {"force-handover", {}}, {"clear-buffers", {}}})},
      {"/api/usage/monitoring", view(UsageMonitoringView),
       HookActions(c, d, {{"rotate-key", key}, {"activate-backup-key", key}})},
      {"/api/alerts/system",
       [&board, &alerts, &clock] {
         return ViewText(AlertsSystemView(board.Snapshot(), alerts, clock.Now()));
       },
       AlertActions(c, d, false)},
  };
  setup->endpoints.push_back({"/api/status", StatusEndpoint(c, d), {}});
  AlertLifecycle& lifecycle = d.alerts;
  setup->endpoints.push_back(
      {"/api/alerts/webhook", nullptr, {}, [&lifecycle](const Caller&, const json& body) {
         return lifecycle.Ingest(body);
       }});
  return setup;
}

}  // namespace usdcop
