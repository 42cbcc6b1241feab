// The WebSocket probe's result as the control API shows it.
#include <nlohmann/json.hpp>

#include "probes/view_json.h"
#include "probes/websocket/websocket_kind.h"

namespace usdcop {

using nlohmann::json;
using view_json::AgeOf;
using view_json::Opt;

json WebSocketKind::View(const WebSocketResult& w, double now) {
  return {{"up", w.up},
          {"handshake_seconds", Opt(w.handshake_seconds)},
          {"first_message_seconds", Opt(w.first_message_seconds)},
          {"connected_clients", Opt(w.connected_clients)},
          {"last_message", Opt(w.last_message_timestamp)},
          {"last_message_age_seconds", AgeOf(w.last_message_timestamp, now)},
          {"messages_received_total", w.messages_received_total}};
}

}  // namespace usdcop
