// The exporter's configuration: one YAML file, parsed, defaulted and validated into an
// immutable Config. A Config is only ever built whole; the daemon swaps it in on success and
// keeps the old one otherwise. Every field is documented in docs/configuration.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calendar/calendar_config.h"
#include "common/secret.h"
#include "common/units.h"
#include "probes/probe_kinds.h"

namespace usdcop {

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
  Duration action_timeout = std::chrono::seconds(30);  // calls to Airflow and Alertmanager, run-checks
  std::string alertmanager_url;                        // acknowledge/resolve/test; "" = none
  std::string alertmanager_ca_file;
  std::map<std::string, std::string> backup_dags;      // layer -> the DAG trigger-backup runs
  std::string scratch_dir;                             // test-recovery copies sets here; "" = <storage dir>/recovery-test
  Duration acknowledge_for = std::chrono::hours(2);    // default silence of acknowledge-alert
  // The severities the webhook's figures count under their own name; any other counts as "other".
  std::vector<std::string> alert_severities = {"critical", "warning", "info"};
  Duration idempotency_ttl = std::chrono::hours(24);   // how long an Idempotency-Key is remembered
  Duration audit_retention = std::chrono::hours(24 * 90);  // audit rows older than this are deleted
  std::map<std::string, HookConfig> actions;           // operator hooks by action name
};

struct Config {
  std::string file;          // the path it was loaded from
  std::string storage_path;  // SQLite state store; "" = not set in the file
  CalendarConfig calendar;   // the defaults when the file has no calendar section
  ProbeConfigs probes;       // each probe kind's section under probes:, when the file has it
  std::optional<ControlConfig> control;  // absent: the side port is not served
};

struct ConfigLoad {
  std::optional<Config> config;     // set when errors is empty
  std::vector<std::string> errors;  // "file:line:col: field.path: what is wrong (what to do)"
};

// Reads, parses and validates the file. Secrets named by *_file and *_env are read here; their
// values never appear in errors. Relative paths in the file are relative to its directory.
ConfigLoad LoadConfigFile(const std::string& path);
// The same for YAML text, `file` naming it in messages (tests, embedded defaults).
ConfigLoad LoadConfigText(const std::string& text, const std::string& file);

}  // namespace usdcop
