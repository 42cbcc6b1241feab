// The WebSocket service's JSON (sources/websocket_status.h, sources/websocket_feed.h): each input
// as the status endpoint's answer (the published bar at the default and at a nested pointer, the
// client count) and as a message of the feed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sources/websocket_feed.h"
#include "sources/websocket_status.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  if (auto status = usdcop::ParseWebSocketStatus("WebSocket status /status", body); status.ok()) {
    (void)usdcop::PublishedBar(*status, "/last_published_bar");
    (void)usdcop::PublishedBar(*status, "/bars/0/time");
    (void)usdcop::ConnectedClients(*status);
  }
  (void)usdcop::ParseFeedMessage(body);
  return 0;
}
