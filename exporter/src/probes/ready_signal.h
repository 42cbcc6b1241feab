// The ready-signal probe: the L0 -> WebSocket handover signal, from the flag file
// (`{"ready": true, "timestamp": ...}`, its mtime when the JSON has no timestamp) or from the
// signal directory (`{active,completed,failed}/<signal_id>.json`, the newest signal of the
// configured type whose status is ready or completed and that has not expired).
// Not thread-safe: the scheduler runs one Run() at a time.
#pragma once

#include "config/config.h"
#include "probes/probe.h"

namespace usdcop {

class ReadySignalProbe final : public Probe {
 public:
  explicit ReadySignalProbe(ReadySignalProbeConfig config) : config_(std::move(config)) {}
  ProbeOutcome Run(const ProbeContext& ctx) override;

 private:
  Status ReadFlagFile(ReadySignalResult& out) const;
  Status ReadSignalDir(const ProbeContext& ctx, ReadySignalResult& out) const;

  const ReadySignalProbeConfig config_;
};

}  // namespace usdcop
