#include "sources/websocket_status.h"

#include <nlohmann/json.hpp>

#include "common/json_file.h"

namespace usdcop {

using nlohmann::json;

Result<WebSocketStatus> FetchWebSocketStatus(HttpClient& http, const std::string& url, const std::string& last_bar_field,
                                             const Deadline& deadline) {
  const std::string what = "WebSocket status " + UrlPathForLog(url);
  HttpRequest request;
  request.url = url;
  request.headers = {{"Accept", "application/json"}};
  auto response = http.Do(request, deadline);
  if (!response.ok()) return Status(response.status().reason(), "WebSocket status: " + response.status().message());
  if (response->status != 200)
    return Status(Reason::kHttpStatus, what + " answered HTTP " + std::to_string(response->status) +
                                           " (check probes.ready_signal.handover.status_url)");
  json j = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status(Reason::kParse, what + ": the answer is not a JSON object");
  const json::json_pointer field(last_bar_field);  // validated when the config was read
  if (!j.contains(field) || j.at(field).is_null())
    return Status(Reason::kParse, what + ": no published bar at " + last_bar_field +
                                      " (set probes.ready_signal.handover.last_bar_field to where the service says it)");
  auto bar = JsonTime(j.at(field));
  if (!bar) return Status(Reason::kParse, what + ": " + last_bar_field + " is not an RFC 3339 time or Unix seconds");
  WebSocketStatus status;
  status.last_published_bar = *bar;
  return status;
}

}  // namespace usdcop
