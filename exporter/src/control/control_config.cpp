// control: the side port's callers (tokens by SHA-256 with a role), its rate limit, and what
// its actions act on (Alertmanager, the backup DAGs, operator hooks).
#include "control/control_config.h"

#include <algorithm>

#include "config/sections.h"

namespace usdcop {
namespace {

constexpr std::string_view kHookActions[] = {"restart-websocket", "clear-buffers", "force-handover",
                                             "rotate-key", "activate-backup-key"};

std::optional<ControlTokenConfig> ParseToken(FieldReader& r, const YAML::Node& node,
                                             const std::string& path) {
  if (!r.Map(node, path, {"name", "sha256", "role"},
             {{"token",
               "tokens are configured by their SHA-256 only: "
               "give sha256 (printf %s TOKEN | sha256sum)"}}))
    return std::nullopt;
  ControlTokenConfig t;
  t.name = r.String(node, path, "name", true).value_or("");
  if (!t.name.empty() && !std::regex_match(t.name, std::regex("[A-Za-z0-9_.@-]{1,64}")))
    r.Error(node["name"], Join(path, "name"), "must be 1 to 64 letters, digits, _ . @ or -");
  std::string hex = r.String(node, path, "sha256", true).value_or("");
  if (!hex.empty()) {
    if (!std::regex_match(hex, std::regex("[0-9a-fA-F]{64}"))) {
      r.Error(node["sha256"], Join(path, "sha256"),
              "must be 64 hex digits, the SHA-256 of the token (printf %s TOKEN | sha256sum)");
    } else {
      for (size_t i = 0; i < 64; i += 2)
        t.sha256.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
  }
  auto role = r.Enum(node, path, "role", {"viewer", "operator", "webhook"});
  if (!role && !node["role"].IsDefined())
    r.Error(node, Join(path, "role"), "is required (viewer, operator or webhook)");
  if (role)
    t.role = *role == "operator"  ? ControlRole::kOperator
             : *role == "webhook" ? ControlRole::kWebhook
                                  : ControlRole::kViewer;
  if (t.name.empty() || t.sha256.empty()) return std::nullopt;
  return t;
}

// control.alert_severities: label values of their own (letters, digits, _ or -), distinct, not
// "other" (where the rest are counted).
void CheckAlertSeverities(FieldReader& r, const YAML::Node& list, const std::string& path,
                          const std::vector<std::string>& severities) {
  if (severities.empty() || severities.size() > 20)
    r.Error(list, path, "must list 1 to 20 severities");
  for (size_t i = 0; i < severities.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!std::regex_match(severities[i], std::regex("[A-Za-z0-9_-]{1,32}")))
      r.Error(list[i], at, "must be 1 to 32 letters, digits, _ or -");
    else if (severities[i] == "other")
      r.Error(list[i], at,
              "\"other\" is where the severities not listed are counted; leave it out");
    else if (std::find(severities.begin(), severities.begin() + i, severities[i]) !=
             severities.begin() + i)
      r.Error(list[i], at, "is listed twice");
  }
}

std::optional<HookConfig> ParseHook(FieldReader& r, const YAML::Node& node,
                                    const std::string& path) {
  if (!r.Map(node, path,
             {"command", "url", "method", "bearer_token_file", "bearer_token_env", "ca_file",
              "timeout"}))
    return std::nullopt;
  HookConfig h;
  h.command = r.StringList(node, path, "command").value_or(std::vector<std::string>{});
  h.url = r.HttpUrl(node, path, "url", false, "http://127.0.0.1:8080/hooks/restart").value_or("");
  if (h.command.empty() == h.url.empty()) {
    r.Error(
        node, path,
        "needs either command (a list: the program and its arguments, run without a shell) or url");
    return std::nullopt;
  }
  if (!h.command.empty() && h.command.front().empty())
    r.Error(node["command"], Join(path, "command"), "names no program");
  if (!h.command.empty() && (node["method"].IsDefined() || node["bearer_token_file"].IsDefined() ||
                             node["bearer_token_env"].IsDefined() || node["ca_file"].IsDefined()))
    r.Error(node, path, "method, bearer_token_* and ca_file are for url hooks, not commands");
  h.method = r.Enum(node, path, "method", {"POST", "PUT", "GET"}).value_or(h.method);
  if (auto token = r.SecretField(node, path, "bearer_token", false))
    h.bearer_token = std::move(*token);
  h.ca_file = ParseCaFile(r, node, path, "the hook's");
  h.timeout = r.Dur(node, path, "timeout").value_or(h.timeout);
  return h;
}

}  // namespace

std::optional<ControlConfig> ParseControlSection(FieldReader& r, const YAML::Node& node,
                                                 const std::string& path) {
  if (!r.Map(
          node, path,
          {"tokens", "basic_auth_users", "rate_limit", "action_timeout", "alertmanager",
           "backup_dags", "scratch_dir", "acknowledge_for", "alert_severities", "idempotency_ttl",
           "audit_retention", "actions", "session_ttl", "runbook_base_url", "trend_step"}))
    return std::nullopt;
  ControlConfig c;
  c.tokens = ParseUniqueList(
      r, node, "tokens", Join(path, "tokens"), "{name, sha256, role}", "name", ParseToken,
      [](const ControlTokenConfig& t) -> const std::string& { return t.name; });
  if (const YAML::Node users = node["basic_auth_users"]; users.IsDefined()) {
    std::string p = Join(path, "basic_auth_users");
    if (!users.IsMap()) {
      r.Error(users, p, "must be a map of web config user to role ({alice: operator})");
    } else {
      for (const auto& kv : users) {
        std::string user = kv.first.as<std::string>();
        auto role = r.Enum(users, p, user.c_str(), {"viewer", "operator", "webhook"});
        if (role)
          c.basic_auth_users[user] = *role == "operator"  ? ControlRole::kOperator
                                     : *role == "webhook" ? ControlRole::kWebhook
                                                          : ControlRole::kViewer;
      }
    }
  }
  if (const YAML::Node rl = node["rate_limit"]; rl.IsDefined()) {
    std::string p = Join(path, "rate_limit");
    if (r.Map(rl, p, {"per_second", "burst"})) {
      c.rate_per_second = r.Int(rl, p, "per_second", 1, 100000).value_or(c.rate_per_second);
      c.rate_burst = r.Int(rl, p, "burst", 1, 100000).value_or(c.rate_burst);
    }
  }
  c.action_timeout = r.Dur(node, path, "action_timeout").value_or(c.action_timeout);
  if (const YAML::Node am = node["alertmanager"]; am.IsDefined()) {
    std::string p = Join(path, "alertmanager");
    if (r.Map(am, p, {"url", "ca_file"})) {
      c.alertmanager_url = r.HttpUrl(am, p, "url", true, "http://127.0.0.1:9093").value_or("");
      c.alertmanager_ca_file = ParseCaFile(r, am, p, "Alertmanager's");
    }
  }
  if (const YAML::Node dags = node["backup_dags"]; dags.IsDefined()) {
    std::string p = Join(path, "backup_dags");
    if (!dags.IsMap()) {
      r.Error(dags, p, "must be a map of layer to DAG id ({L0: usdcop_l0_backup})");
    } else {
      for (const auto& kv : dags) {
        std::string layer = kv.first.as<std::string>();
        auto dag = r.String(dags, p, layer.c_str(), true);
        if (dag && !std::regex_match(*dag, std::regex("[A-Za-z0-9_.-]+")))
          r.Error(kv.second, Join(p, layer), "is not an Airflow DAG id (letters, digits, _ . -)");
        else if (dag)
          c.backup_dags[layer] = *dag;
      }
    }
  }
  c.scratch_dir = r.FilePath(node, path, "scratch_dir").value_or("");
  c.acknowledge_for = r.Dur(node, path, "acknowledge_for").value_or(c.acknowledge_for);
  if (auto severities = r.StringList(node, path, "alert_severities")) {
    c.alert_severities = std::move(*severities);
    CheckAlertSeverities(r, node["alert_severities"], Join(path, "alert_severities"),
                         c.alert_severities);
  }
  c.idempotency_ttl = r.Dur(node, path, "idempotency_ttl").value_or(c.idempotency_ttl);
  c.audit_retention = r.Dur(node, path, "audit_retention").value_or(c.audit_retention);
  if (c.audit_retention < std::chrono::hours(1))
    r.Error(node["audit_retention"], Join(path, "audit_retention"),
            "must be at least 1h: the audit log is what shows who did what");
  c.session_ttl = r.Dur(node, path, "session_ttl").value_or(c.session_ttl);
  c.runbook_base_url =
      r.HttpUrl(node, path, "runbook_base_url", false, "https://git.example.com/usdcop/blob/main/")
          .value_or("");
  if (c.session_ttl < std::chrono::minutes(1) || c.session_ttl > std::chrono::hours(24 * 7))
    r.Error(node["session_ttl"], Join(path, "session_ttl"),
            "must be from 1m to 7d: how long a login to the status page lasts");
  c.trend_step = r.Dur(node, path, "trend_step").value_or(c.trend_step);
  if (c.trend_step < std::chrono::seconds(1) || c.trend_step > std::chrono::minutes(10))
    r.Error(node["trend_step"], Join(path, "trend_step"),
            "must be from 1s to 10m: the status page's trends keep 360 points of this step");
  if (const YAML::Node actions = node["actions"]; actions.IsDefined()) {
    std::string p = Join(path, "actions");
    if (!actions.IsMap()) {
      r.Error(actions, p,
              "must be a map of action name to hook ({restart-websocket: {command: [...]}})");
    } else {
      for (const auto& kv : actions) {
        std::string name = kv.first.as<std::string>();
        bool known = false;
        for (std::string_view a : kHookActions) known = known || a == name;
        if (!known) {
          r.Error(kv.first, Join(p, name),
                  "is not an action a hook can serve (restart-websocket, clear-buffers, "
                  "force-handover, rotate-key, "
                  "activate-backup-key)");
          continue;
        }
        if (auto hook = ParseHook(r, kv.second, Join(p, name))) c.actions[name] = std::move(*hook);
      }
    }
  }
  return c;
}

}  // namespace usdcop
