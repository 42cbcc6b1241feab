// What the WebSocket probe found: whether a client can connect and receive data, how long that
// took, what the newest data it received was, and how many clients the service says it has.
// Plain data.
#pragma once

#include <optional>

namespace usdcop {

struct WebSocketResult {
  bool up = false;  // upgraded and received a data message within the timeouts
  std::optional<double> handshake_seconds;      // dial start to upgrade done (TCP, TLS, HTTP)
  std::optional<double> first_message_seconds;  // dial start to the first data message
  std::optional<double>
      connected_clients;  // from the status endpoint, when configured and answering
  std::optional<double>
      last_message_timestamp;          // newest data time ever received (kept across restarts)
  double messages_received_total = 0;  // every message received by the probe (kept across restarts)
};

}  // namespace usdcop
