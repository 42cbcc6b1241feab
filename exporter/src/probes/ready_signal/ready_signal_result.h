// What the ready-signal probe found: whether L0 has signalled "ready" for the WebSocket
// service, and when; and how far the service's publishing trails the L0 bars. Plain data.
#pragma once

#include <cstdint>
#include <optional>

namespace usdcop {

// The L0 -> WebSocket handover: what the service has published against what L0 holds.
struct HandoverResult {
  double last_published_bar = 0;  // Unix seconds, from the service's status endpoint
  int64_t pending_bars = 0;       // L0 bars newer than it
  double lag_seconds = 0;         // newest L0 bar minus last_published_bar; 0 when none is pending
};

struct ReadySignalResult {
  bool present = false;
  std::optional<double> timestamp;         // Unix seconds of the newest ready signal
  std::optional<HandoverResult> handover;  // when configured and both sources answered
};

}  // namespace usdcop
