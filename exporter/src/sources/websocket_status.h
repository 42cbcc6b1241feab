// The WebSocket service's HTTP status endpoint (`GET /status`): the newest bar it has published.
// Thread-safe (the HttpClient is).
#pragma once

#include <string>

#include "common/deadline.h"
#include "common/status.h"
#include "sources/http_client.h"

namespace usdcop {

struct WebSocketStatus {
  double last_published_bar = 0;  // Unix seconds: the bar's open time
};

// GETs `url` and reads the published bar at the JSON pointer `last_bar_field` (RFC 3339 text or
// Unix seconds). Errors: connect / timeout / http_status; parse when the answer is not JSON or the
// field is missing, null or not a time (the message names the URL's path and the field).
Result<WebSocketStatus> FetchWebSocketStatus(HttpClient& http, const std::string& url, const std::string& last_bar_field,
                                             const Deadline& deadline);

}  // namespace usdcop
