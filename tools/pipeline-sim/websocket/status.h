// The USD/COP WebSocket service's HTTP status endpoints (no auth):
//   GET /health  200 {"status": "healthy", "service", "timestamp", "connections",
//                "redis_connected": true}
//   GET /status  the same plus "websocket_connections": {"total_connections",
//                "active_connections", "messages_sent"} and "last_published_bar"
// served on the WebSocket server's port, and /status also on the simulator's main port (the
// exporter's handover probe reads it there), both from the same body so the counts agree.
// `connections` is the number of WebSocket sessions open now. messages_sent is the number of
// publications (see MarketWriter: one per bar published, whether or not a client is connected)
// plus the data messages written to WebSocket clients. last_published_bar is the open time of the
// newest bar published, RFC 3339 UTC in whole seconds (null before any bar). Without market data
// /status answers 409 like the market control endpoints. Thread-safe; the writer and the
// WebSocket server must outlive the HTTP server.
#pragma once

#include <cstdint>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "market/writer.h"

namespace usdcop::sim {

class WsServer;

// The WebSocket server's counts (all 0 when it is off).
struct WsCounts {
  int64_t active_connections = 0;  // sessions open now
  int64_t total_connections = 0;   // sessions accepted since start
  int64_t messages_sent = 0;       // data messages written to clients
};

nlohmann::json WsHealthBody(const WsCounts& counts);
nlohmann::json WsStatusBody(const Published& published, const WsCounts& counts);

struct WsHttpAnswer {
  int status = 200;
  nlohmann::json body;
};
// The answer to a plain HTTP request (not an upgrade) on the WebSocket port: /health, /status,
// 426 for /ws, 405 for a method other than GET, 404 JSON for other paths. `target` may
// carry a query.
WsHttpAnswer WsHttpRoute(std::string_view method, std::string_view target,
                         const MarketWriter& writer, const WsCounts& counts);

// GET /status on the main port. `writer` is null when market data is off, `ws` when the
// WebSocket server is.
void RegisterWsStatus(httplib::Server& server, const MarketWriter* writer, const WsServer* ws);

}  // namespace usdcop::sim
