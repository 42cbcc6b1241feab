// The control endpoint of the simulated WebSocket service (no auth, JSON in and out, 400
// {"error", "field"} on bad input, unknown fields rejected):
//   POST /sim/websocket/fault  {"fault", "seconds"?, "after_messages"?} -> the fault:
//                              {"fault", "seconds", "after_messages"}
//   GET  /sim/websocket/state  enabled, url, tls, the fault and the counts (WsServer::Describe)
// Both answer 409 {"error", "field": "websocket"} when the WebSocket server is off.
// Handlers are thread-safe; the server must outlive the HTTP server.
#pragma once

#include <httplib.h>

#include "websocket/server.h"

namespace usdcop::sim {

class WsControl {
 public:
  // `server` is null when the WebSocket server is off.
  explicit WsControl(WsServer* server) : server_(server) {}
  WsControl(const WsControl&) = delete;
  WsControl& operator=(const WsControl&) = delete;

  void Register(httplib::Server& server);

 private:
  using Request = httplib::Request;
  using Response = httplib::Response;

  void SetFault(const Request& req, Response& res);
  void State(const Request& req, Response& res);
  // True when the server is on; otherwise answers 409 and is false.
  bool Enabled(Response& res) const;

  WsServer* const server_;
};

}  // namespace usdcop::sim
