// probes.ready_signal's settings: the ready signal and the L0 -> WebSocket handover.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/units.h"

namespace usdcop {

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
  std::string flag_file;     // the flag file, or
  std::string signal_dir;    // the signal directory ({active,completed,failed}/<id>.json), or
  std::string signal_table;  // a table of signals in probes.market_data's database
  std::string signal_type =
      "data_ready";  // with signal_dir / signal_table: the type that means L0 is ready
  std::optional<HandoverConfig> handover;
};

}  // namespace usdcop
