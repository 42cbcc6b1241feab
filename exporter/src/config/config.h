// The exporter's configuration: one YAML file, parsed, defaulted and validated into an
// immutable Config. A Config is only ever built whole; the daemon swaps it in on success and
// keeps the old one otherwise. Every field is documented in docs/configuration.md.
#pragma once

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

struct Config {
  std::string file;          // the path it was loaded from
  std::string storage_path;  // SQLite state store; "" = not set in the file
  std::optional<PipelineProbeConfig> pipeline;
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
