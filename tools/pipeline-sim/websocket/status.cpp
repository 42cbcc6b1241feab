#include "websocket/status.h"

#include "market/control.h"
#include "shared/http_util.h"
#include "websocket/server.h"

namespace usdcop::sim {
namespace {

constexpr const char* kService = "usdcop-websocket (pipeline-sim stand-in)";

// The real service prints bar times in whole seconds; an inserted row may have a fraction.
json WholeSecondsOrNull(const std::optional<PublishedBar>& bar) {
  if (!bar) return nullptr;
  return FormatIsoZ(std::chrono::floor<std::chrono::seconds>(bar->time));
}

json NotFound() { return {{"detail", "Not Found"}, {"status", 404}}; }

}  // namespace

json WsHealthBody(const WsCounts& counts) {
  return {{"status", "healthy"},
          {"service", kService},
          {"timestamp", FormatIsoZ(Now())},
          {"connections", counts.active_connections},
          {"redis_connected", true}};
}

json WsStatusBody(const Published& published, const WsCounts& counts) {
  json body = WsHealthBody(counts);
  body["websocket_connections"] = {
      {"total_connections", counts.total_connections},
      {"active_connections", counts.active_connections},
      {"messages_sent", published.publications + counts.messages_sent}};
  body["last_published_bar"] = WholeSecondsOrNull(published.bar);
  return body;
}

WsHttpAnswer WsHttpRoute(std::string_view method, std::string_view target,
                         const MarketWriter& writer, const WsCounts& counts) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path != "/health" && path != "/status" && path != "/ws") return {404, NotFound()};
  if (method != "GET") {
    return {405, {{"detail", "Method Not Allowed"}, {"status", 405}}};
  }
  if (path == "/ws") {
    return {426, {{"detail", "Upgrade Required: /ws is a WebSocket endpoint"}, {"status", 426}}};
  }
  if (path == "/health") return {200, WsHealthBody(counts)};
  return {200, WsStatusBody(writer.published(), counts)};
}

void RegisterWsStatus(httplib::Server& server, const MarketWriter* writer, const WsServer* ws) {
  server.Get("/status", [writer, ws](const httplib::Request&, httplib::Response& res) {
    if (!MarketEnabled(writer, res)) return;
    ReplyJson(res, 200, WsStatusBody(writer->published(), ws ? ws->counts() : WsCounts{}));
  });
}

}  // namespace usdcop::sim
