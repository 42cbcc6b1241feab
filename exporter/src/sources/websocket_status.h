// The WebSocket service's HTTP status endpoint (`GET /status`, or `/health` on older services):
// the newest bar it has published (for the handover) and how many clients are connected (for
// the WebSocket probe). Thread-safe (the HttpClient is).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/deadline.h"
#include "common/status.h"
#include "sources/http_client.h"

namespace usdcop {

// The status endpoint's answer, and where it came from (for messages).
struct WebSocketStatus {
  std::string what;     // "WebSocket status /status"
  nlohmann::json body;  // a JSON object
};

// GETs `url` (trusting `ca_file` for https when not empty). Errors: connect / timeout / tls /
// http_status, naming `config_field` as what to check; parse when the answer is not a JSON object.
Result<WebSocketStatus> FetchWebSocketStatus(HttpClient& http, const std::string& url,
                                             const std::string& ca_file,
                                             const std::string& config_field,
                                             const Deadline& deadline);

// The answer `body` of a 200 as a status, `what` naming where it came from; parse when it is not a
// JSON object.
Result<WebSocketStatus> ParseWebSocketStatus(std::string what, const std::string& body);

// The published bar at the JSON pointer `field` (RFC 3339 text or Unix seconds), in Unix seconds;
// parse when it is missing, null or not a time.
Result<double> PublishedBar(const WebSocketStatus& status, const std::string& field);

// The connected clients: `websocket_connections.active_connections` (the newer /status) or
// `connections` (/health); parse when neither is a number.
Result<double> ConnectedClients(const WebSocketStatus& status);

}  // namespace usdcop
