// The exporter's configuration: one YAML file, parsed, defaulted and validated into an
// immutable Config. A Config is only ever built whole; the daemon swaps it in on success and
// keeps the old one otherwise. Every field is documented in docs/configuration.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "calendar/calendar_config.h"
#include "control/control_config.h"
#include "probes/probe_kinds.h"

namespace usdcop {

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
