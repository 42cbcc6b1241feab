// usdcop_ready_signal_*: from the ready-signal probe's result.
#include "metrics/render.h"
#include "probes/ready_signal_result.h"

namespace usdcop {

void RenderResult(const ReadySignalResult& result, FamilyBuilder& out) {
  out.Gauge("usdcop_ready_signal_present", "1 if L0 has signalled ready for the WebSocket service.", {},
            result.present ? 1 : 0);
  if (result.timestamp)
    out.Gauge("usdcop_ready_signal_timestamp_seconds", "When L0 last signalled ready.", {}, *result.timestamp);
}

}  // namespace usdcop
