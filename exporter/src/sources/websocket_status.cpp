#include "sources/websocket_status.h"

#include "common/json_file.h"

namespace usdcop {

using nlohmann::json;

Result<WebSocketStatus> ParseWebSocketStatus(std::string what, const std::string& body) {
  WebSocketStatus status{std::move(what), json::parse(body, nullptr, /*allow_exceptions=*/false)};
  if (!status.body.is_object())
    return Status(Reason::kParse, status.what + ": the answer is not a JSON object");
  return status;
}

Result<WebSocketStatus> FetchWebSocketStatus(HttpClient& http, const std::string& url,
                                             const std::string& ca_file,
                                             const std::string& config_field,
                                             const Deadline& deadline) {
  const std::string what = "WebSocket status " + UrlPathForLog(url);
  HttpRequest request;
  request.url = url;
  request.headers = {{"Accept", "application/json"}};
  request.ca_file = ca_file;
  auto response = http.Do(request, deadline);
  if (!response.ok())
    return Status(response.status().reason(), "WebSocket status: " + response.status().message() +
                                                  " (check " + config_field + ")");
  if (response->status != 200)
    return Status(Reason::kHttpStatus, what + " answered HTTP " + std::to_string(response->status) +
                                           " (check " + config_field + ")");
  return ParseWebSocketStatus(what, response->body);
}

Result<double> PublishedBar(const WebSocketStatus& status, const std::string& field) {
  const json::json_pointer pointer(field);  // validated when the config was read
  if (!status.body.contains(pointer) || status.body.at(pointer).is_null())
    return Status(
        Reason::kParse,
        status.what + ": no published bar at " + field +
            " (set probes.ready_signal.handover.last_bar_field to where the service says it)");
  auto bar = JsonTime(status.body.at(pointer));
  if (!bar)
    return Status(Reason::kParse,
                  status.what + ": " + field + " is not an RFC 3339 time or Unix seconds");
  return *bar;
}

Result<double> ConnectedClients(const WebSocketStatus& status) {
  static const json::json_pointer kActive("/websocket_connections/active_connections");
  static const json::json_pointer kConnections("/connections");
  for (const json::json_pointer& p : {kActive, kConnections})
    if (status.body.contains(p) && status.body.at(p).is_number())
      return status.body.at(p).get<double>();
  return Status(Reason::kParse,
                status.what +
                    ": no client count (a number at websocket_connections.active_connections or "
                    "connections)");
}

}  // namespace usdcop
