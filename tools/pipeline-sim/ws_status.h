// A stand-in for the USD/COP WebSocket service's HTTP status endpoint, on the simulator's port:
//   GET /status  (no auth) 200 {"status": "healthy", "service", "timestamp", "connections": 0,
//                "redis_connected": true, "websocket_connections": {"total_connections": 0,
//                "active_connections": 0, "messages_sent"}, "last_published_bar"}
// last_published_bar is the open time of the newest bar the stand-in has published (see
// MarketWriter; null before any bar), RFC 3339 UTC in whole seconds. Without market data it
// answers 409 like the market control endpoints. Thread-safe; the writer must outlive the
// server.
#pragma once

#include <httplib.h>

#include "market_writer.h"

namespace usdcop::sim {

// `writer` is null when market data is off.
void RegisterWsStatus(httplib::Server& server, const MarketWriter* writer);

}  // namespace usdcop::sim
