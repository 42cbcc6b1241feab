// probes.websocket's settings: the WebSocket service and its status endpoint.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/units.h"

namespace usdcop {

// The WebSocket service: one session per run (connect, handshake, the first data message, a
// clean close) and, when configured, its HTTP status endpoint. Each phase has its own timeout,
// and none may outlast the run's `timeout`.
struct WebSocketProbeConfig {
  Duration interval = std::chrono::seconds(15);
  Duration timeout = std::chrono::seconds(5);
  std::string url;         // ws:// or wss://
  std::string status_url;  // http(s)://.../status or /health; "" = no client count
  Duration connect_timeout = std::chrono::seconds(2);    // TCP connect (DNS included)
  Duration handshake_timeout = std::chrono::seconds(2);  // TLS and the HTTP upgrade
  Duration read_timeout = std::chrono::seconds(5);  // from the upgrade to the first data message
  std::string ca_file;  // wss:// and https://: trust this PEM bundle; "" = the system's store
  std::string
      subscribe;  // a text message sent after the upgrade (services that want one); "" = none
};

}  // namespace usdcop
