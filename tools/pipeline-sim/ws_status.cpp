#include "ws_status.h"

#include "http_util.h"
#include "market_control.h"

namespace usdcop::sim {
namespace {

constexpr const char* kService = "usdcop-websocket (pipeline-sim stand-in)";

// The real service prints bar times in whole seconds; an inserted row may have a fraction.
json WholeSecondsOrNull(const std::optional<PublishedBar>& bar) {
  if (!bar) return nullptr;
  return FormatIsoZ(std::chrono::floor<std::chrono::seconds>(bar->time));
}

json StatusBody(const Published& published) {
  return {{"status", "healthy"},
          {"service", kService},
          {"timestamp", FormatIsoZ(Now())},
          {"connections", 0},
          {"redis_connected", true},
          {"websocket_connections",
           {{"total_connections", 0},
            {"active_connections", 0},
            {"messages_sent", published.publications}}},
          {"last_published_bar", WholeSecondsOrNull(published.bar)}};
}

}  // namespace

void RegisterWsStatus(httplib::Server& server, const MarketWriter* writer) {
  server.Get("/status", [writer](const httplib::Request&, httplib::Response& res) {
    if (!MarketEnabled(writer, res)) return;
    ReplyJson(res, 200, StatusBody(writer->published()));
  });
}

}  // namespace usdcop::sim
