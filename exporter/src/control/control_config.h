// The control section of the config file (control:): the side port's callers (tokens by SHA-256
// with a role), its rate limit, and what its actions act on (Alertmanager, the backup DAGs,
// operator hooks). Parsed by ParseControlSection (control_config.cpp) into the Config
// (app/config.h); the control API, its server and the actions are given this section only.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/units.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace usdcop {

class FieldReader;

// The control API on the side port (--control.listen-address): who may call it, how often, and
// what its actions act on.
enum class ControlRole {
  kViewer,    // GET every endpoint
  kOperator,  // GET, and POST actions
  kWebhook,   // only POST /api/alerts/webhook (Alertmanager's webhook receiver)
};

struct ControlTokenConfig {
  std::string name;    // who called, in the audit log and the `requested_by` of actions
  std::string sha256;  // the token's SHA-256, 32 bytes (the config gives 64 hex digits)
  ControlRole role = ControlRole::kViewer;
};

// An operator hook: a command run without a shell, or an HTTP call.
struct HookConfig {
  std::vector<std::string> command;  // argv; empty for an HTTP hook
  std::string url;                   // http(s)://; "" for a command
  std::string method = "POST";
  Secret bearer_token;  // HTTP hooks: from bearer_token_file / bearer_token_env
  std::string ca_file;
  Duration timeout = std::chrono::seconds(30);
};

struct ControlConfig {
  std::vector<ControlTokenConfig> tokens;
  // Users of --web.config.file's basic_auth_users who may call the control API, with their role.
  std::map<std::string, ControlRole> basic_auth_users;
  int rate_per_second = 10;  // token bucket per caller
  int rate_burst = 20;
  Duration action_timeout =
      std::chrono::seconds(30);  // calls to Airflow and Alertmanager, run-checks
  std::string alertmanager_url;  // acknowledge/resolve/test; "" = none
  std::string alertmanager_ca_file;
  std::map<std::string, std::string> backup_dags;  // layer -> the DAG trigger-backup runs
  std::string scratch_dir;  // test-recovery copies sets here; "" = <storage dir>/recovery-test
  Duration acknowledge_for = std::chrono::hours(2);  // default silence of acknowledge-alert
  // The severities the webhook's figures count under their own name; any other counts as "other".
  std::vector<std::string> alert_severities = {"critical", "warning", "info"};
  Duration idempotency_ttl = std::chrono::hours(24);  // how long an Idempotency-Key is remembered
  Duration audit_retention = std::chrono::hours(24 * 90);  // audit rows older than this are deleted
  std::map<std::string, HookConfig> actions;               // operator hooks by action name
  Duration session_ttl = std::chrono::hours(8);   // the status page's login sessions: 1m to 7d
  Duration trend_step = std::chrono::minutes(1);  // the status page's trends: 1s to 10m a point
  std::string
      runbook_base_url;  // the status page joins relative runbook_url annotations to it; "" = as is
};

// The section, read, defaulted and checked; nullopt after reporting its errors.
std::optional<ControlConfig> ParseControlSection(FieldReader& r, const YAML::Node& node,
                                                 const std::string& path);

}  // namespace usdcop
