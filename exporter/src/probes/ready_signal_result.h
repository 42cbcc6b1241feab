// What the ready-signal probe found: whether L0 has signalled "ready" for the WebSocket
// service, and when. Plain data.
#pragma once

#include <optional>

namespace usdcop {

struct ReadySignalResult {
  bool present = false;
  std::optional<double> timestamp;  // Unix seconds of the newest ready signal
};

}  // namespace usdcop
