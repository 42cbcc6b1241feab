// usdcop_websocket_*: from the WebSocket probe's result.
#include "exposition/family_builder.h"
#include "probes/websocket/websocket_kind.h"

namespace usdcop {

void WebSocketKind::Render(const WebSocketResult& result, FamilyBuilder& out) {
  out.Gauge("usdcop_websocket_up",
            "1 if the probe's client upgraded and received a data message within the timeouts.", {},
            result.up ? 1 : 0);
  if (result.handshake_seconds)
    out.Gauge("usdcop_websocket_handshake_seconds",
              "Connect, TLS and WebSocket upgrade of the last probe.", {},
              *result.handshake_seconds);
  if (result.first_message_seconds)
    out.Gauge("usdcop_websocket_first_message_seconds",
              "From connecting to the first data message, last probe.", {},
              *result.first_message_seconds);
  if (result.connected_clients)
    out.Gauge("usdcop_websocket_connected_clients",
              "Clients connected, from the service's status endpoint.", {},
              *result.connected_clients);
  if (result.last_message_timestamp)
    out.Gauge("usdcop_websocket_last_message_timestamp_seconds",
              "Time of the newest data the probe received.", {}, *result.last_message_timestamp);
  out.Counter("usdcop_websocket_messages_received_total",
              "Messages the probe received from the WebSocket service.", {},
              result.messages_received_total);
}

}  // namespace usdcop
