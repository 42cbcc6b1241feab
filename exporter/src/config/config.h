// The exporter's configuration: one YAML file, parsed, defaulted and validated into an
// immutable Config. A Config is only ever built whole; the daemon swaps it in on success and
// keeps the old one otherwise. Every field is documented in docs/configuration.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/units.h"

namespace usdcop {

struct AirflowConfig {
  enum class Api { kV1, kV2 };  // Airflow 2 (basic auth) or Airflow 3 (bearer token)
  std::string url;              // base URL, without a trailing slash
  Api api = Api::kV1;
  std::string username;
  Secret password;  // from password_file or password_env
  Secret token;     // v2 only, optional: a fixed bearer token instead of POST /auth/token
};

struct XcomRef {
  std::string task_id;
  std::string key;
};

struct LayerConfig {
  std::string layer;        // "L0".."L5": the `layer` label
  std::string dag_id;       // an Airflow DAG, or
  std::string status_file;  // a JSON status file (absolute path)
  std::optional<Duration> expected_every;  // no run for this long -> idle
  std::optional<XcomRef> records_xcom;     // where a finished run reports its record count
};

struct PipelineProbeConfig {
  Duration interval = std::chrono::seconds(15);
  Duration timeout = std::chrono::seconds(10);
  std::optional<AirflowConfig> airflow;  // required when a layer names a dag_id
  int runs_per_request = 25;             // dagRuns page size: finished runs newer than this are seen
  std::vector<LayerConfig> layers;
};

// The market's trading calendar. Days are the exchange's local dates.
struct CalendarConfig {
  struct Session {
    std::vector<unsigned> weekdays;  // 0 = Sunday .. 6 = Saturday
    std::chrono::minutes open{8 * 60};        // local time of the first bar's open
    std::chrono::minutes close{12 * 60 + 55};  // local time of the last bar's open
  };
  std::string market = "usdcop";  // the `market` label
  std::string timezone = "America/Bogota";
  std::vector<Session> sessions = {Session{{1, 2, 3, 4, 5}}};
  Duration bar_interval = std::chrono::minutes(5);
  bool colombia_holidays = true;
  bool united_states_holidays = false;
  std::vector<std::string> extra_closed_days;  // "YYYY-MM-DD"
  std::vector<std::string> extra_open_days;    // trading days despite a weekend or holiday
};

// Where the L0 bars are and how to read them.
struct BarTableConfig {
  std::string table = "usdcop_m5_ohlcv";  // [schema.]table, checked as SQL identifiers
  // Column names; "" = the table has no such column. The older variant has `price` only.
  std::string time = "time";
  std::string symbol = "symbol";
  std::string open = "open";
  std::string high = "high";
  std::string low = "low";
  std::string close = "close";
  std::string price;                     // used when close is ""
  std::string ingested_at = "created_at";  // "" = incremental reads go by bar time
};

struct MarketDataProbeConfig {
  Duration interval = std::chrono::seconds(30);
  Duration timeout = std::chrono::seconds(20);
  std::string sqlite_path;        // the embedded default source, or
  std::string postgres_conninfo;  // a libpq connection string (without the password)
  Secret postgres_password;       // from password_file / password_env
  BarTableConfig table;
  std::vector<std::string> symbols = {"USD/COP"};
  struct Window {
    std::string name;  // "session", or the span as written ("7d")
    Duration span{0};  // 0 for "session"
  };
  std::vector<Window> windows = {{"session", Duration(0)}, {"7d", std::chrono::hours(24 * 7)},
                                 {"30d", std::chrono::hours(24 * 30)}};
  Duration lookback = std::chrono::minutes(10);      // late-arrival lookback of incremental reads
  Duration arrival_grace = std::chrono::seconds(30);  // a bar is expected once closed plus this
  double price_jump_k = 8;  // robust deviations beyond which a return is a price jump
};

// The L0 -> WebSocket handover: the WebSocket service's status endpoint says which bar it
// published last; the L0 bars newer than that are pending. The bars are read from
// probes.market_data's source and table (with a connection of the ready-signal probe's own).
struct HandoverConfig {
  std::string status_url;                              // e.g. http://127.0.0.1:8080/status
  std::string last_bar_field = "/last_published_bar";  // JSON pointer into its answer
  std::string symbol;  // default: the first of probes.market_data.symbols
};

struct ReadySignalProbeConfig {
  Duration interval = std::chrono::seconds(15);
  Duration timeout = std::chrono::seconds(5);
  std::string flag_file;   // the flag file, or
  std::string signal_dir;  // the signal directory ({active,completed,failed}/<id>.json), or
  std::string signal_table;  // a table of signals in probes.market_data's database
  std::string signal_type = "data_ready";  // with signal_dir / signal_table: the type that means L0 is ready
  std::optional<HandoverConfig> handover;
};

// A layer's backups: a directory of sets named by UTC time (YYYYMMDD_HHMMSS/), one per cadence.
struct BackupLayerConfig {
  std::string layer;  // the `layer` label
  std::string path;   // the layer's backup root (absolute)
  Duration cadence = std::chrono::hours(6);
  Duration retention = std::chrono::hours(24 * 30);
  bool trading_days_only = false;  // periods starting on a day without a session are not expected
  // The allowed age of the newest set (usdcop_backup_max_age_seconds, BackupTooOld's threshold);
  // zero: the cadence.
  Duration max_age{0};
};

struct BackupsProbeConfig {
  Duration interval = std::chrono::minutes(5);
  Duration timeout = std::chrono::minutes(4);
  std::uint64_t max_bytes_per_second = 200ull << 20;  // hashing budget; 0 = none
  Duration full_reverify = std::chrono::hours(24 * 7);  // hash unchanged files again this often
  std::vector<BackupLayerConfig> layers;
};

// One API key of the vendor. Dates are 00:00 UTC of the day the config names.
struct VendorKeyConfig {
  std::string id;  // the `key_id` label
  Secret key;      // from key_file or key_env
  SysTime created;
  std::optional<SysTime> expires;
};

// The vendor's usage API, asked once per key per run (Twelve Data's /api_usage).
struct VendorApiProbeConfig {
  Duration interval = std::chrono::seconds(60);
  Duration timeout = std::chrono::seconds(10);
  Duration backoff = std::chrono::minutes(5);  // a rate-limited key is not asked again for this long
  std::string provider = "twelvedata";         // the `provider` label
  std::string url = "https://api.twelvedata.com";  // without a trailing slash
  std::vector<VendorKeyConfig> keys;
  std::string active_key;       // an id of `keys`, or
  std::string active_key_file;  // a file the pipeline writes, holding one; both "": none active
};

// The WebSocket service: one session per run (connect, handshake, the first data message, a
// clean close) and, when configured, its HTTP status endpoint. Each phase has its own timeout,
// and none may outlast the run's `timeout`.
struct WebSocketProbeConfig {
  Duration interval = std::chrono::seconds(15);
  Duration timeout = std::chrono::seconds(5);
  std::string url;         // ws:// or wss://
  std::string status_url;  // http(s)://.../status or /health; "" = no client count
  Duration connect_timeout = std::chrono::seconds(2);    // TCP connect (DNS included)
  Duration handshake_timeout = std::chrono::seconds(2);  // TLS and the HTTP upgrade
  Duration read_timeout = std::chrono::seconds(5);       // from the upgrade to the first data message
  std::string ca_file;    // wss:// and https://: trust this PEM bundle; "" = the system's store
  std::string subscribe;  // a text message sent after the upgrade (services that want one); "" = none
};

// Alertmanager's API v2: every alert it holds (with its state), its receivers and its cluster
// status, read each run (GET /api/v2/alerts, /api/v2/receivers, /api/v2/status).
struct AlertmanagerProbeConfig {
  Duration interval = std::chrono::seconds(30);
  Duration timeout = std::chrono::seconds(10);  // for the run's three requests together
  std::string url;       // http(s) base URL (with any --web.route-prefix), without a trailing slash
  std::string ca_file;   // https://: trust this PEM bundle; "" = the system's store
  std::string username;  // basic auth (Alertmanager's web config or a proxy); "" = none
  Secret password;       // from password_file / password_env; set exactly when username is
};

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
  std::optional<PipelineProbeConfig> pipeline;
  std::optional<MarketDataProbeConfig> market_data;
  std::optional<ReadySignalProbeConfig> ready_signal;
  std::optional<BackupsProbeConfig> backups;
  std::optional<WebSocketProbeConfig> websocket;
  std::optional<VendorApiProbeConfig> vendor_api;
  std::optional<AlertmanagerProbeConfig> alertmanager;
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
