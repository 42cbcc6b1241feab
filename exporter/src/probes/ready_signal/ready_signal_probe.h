// The ready-signal probe: the L0 -> WebSocket handover signal, from the flag file
// (`{"ready": true, "timestamp": ...}`, its mtime when the JSON has no timestamp) or from the
// signal directory (`{active,completed,failed}/<signal_id>.json`) or the signal table (rows with
// the same fields): the newest signal of the configured type whose status is ready or completed
// and that has not expired.
// With `handover` configured it also asks the WebSocket service's status endpoint for the newest
// bar it has published and counts the L0 bars newer than that in the bar table. A failure of
// either side fails the run (its reason counted) but keeps the other side's figures.
// Not thread-safe: the scheduler runs one Run() at a time.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "probes/ready_signal/ready_signal_config.h"

#include "probes/probe.h"
#include "sources/bar_source.h"
#include "sources/http_client.h"

namespace usdcop {

// The flag file's JSON object: {"ready": bool, "timestamp": RFC 3339 or Unix seconds (optional)}.
struct FlagFile {
  bool ready = false;
  std::optional<double> timestamp;  // Unix seconds
};
// Reads `j` into `out`: Reason::kParse naming the file `name` and what is wrong, `out` holding
// what came before the problem (a boolean "ready" with a bad timestamp is still read).
Status ParseFlagFile(const nlohmann::json& j, const std::string& name, FlagFile& out);

// A signal file of the signal directory: {"signal_type", "status", "updated_at", "created_at",
// "expires_at"}, the times RFC 3339 or Unix seconds. A field that is absent or not of its type is
// left empty.
struct SignalFile {
  std::string signal_type;
  std::string status;
  std::optional<double> updated_at, created_at, expires_at;  // Unix seconds
};
SignalFile ParseSignalFile(const nlohmann::json& j);

class ReadySignalProbe final : public Probe {
 public:
  // `http` serves the handover, `bars` the handover and the signal table (null without either).
  ReadySignalProbe(ReadySignalProbeConfig config, HttpClient& http, std::unique_ptr<BarSource> bars)
      : config_(std::move(config)), http_(http), bars_(std::move(bars)) {}
  ProbeOutcome Run(const ProbeContext& ctx) override;

 private:
  Status ReadFlagFile(ReadySignalResult& out) const;
  Status ReadSignalDir(const ProbeContext& ctx, ReadySignalResult& out) const;
  Status ReadSignalTable(const ProbeContext& ctx, ReadySignalResult& out);
  Status ReadHandover(const ProbeContext& ctx, ReadySignalResult& out);

  const ReadySignalProbeConfig config_;
  HttpClient& http_;
  const std::unique_ptr<BarSource> bars_;
};

}  // namespace usdcop
