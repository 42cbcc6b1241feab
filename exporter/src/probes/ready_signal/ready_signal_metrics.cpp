// usdcop_ready_signal_* and usdcop_handover_*: from the ready-signal probe's result.
#include "exposition/family_builder.h"
#include "probes/ready_signal/ready_signal_kind.h"

namespace usdcop {

void ReadySignalKind::Render(const ReadySignalResult& result, FamilyBuilder& out) {
  out.Gauge("usdcop_ready_signal_present", "1 if L0 has signalled ready for the WebSocket service.",
            {}, result.present ? 1 : 0);
  if (result.timestamp)
    out.Gauge("usdcop_ready_signal_timestamp_seconds", "When L0 last signalled ready.", {},
              *result.timestamp);
  if (const auto& h = result.handover) {
    out.Gauge("usdcop_handover_pending_records",
              "L0 bars not yet published by the WebSocket service.", {},
              static_cast<double>(h->pending_bars));
    out.Gauge("usdcop_handover_lag_seconds",
              "Newest L0 bar minus the newest bar the WebSocket service published.", {},
              h->lag_seconds);
  }
}

}  // namespace usdcop
