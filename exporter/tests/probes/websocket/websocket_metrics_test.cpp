// probes/websocket/websocket_metrics.cpp: the websocket probe's metrics, to the byte: its golden
// file.
#include <gtest/gtest.h>

#include "support/golden.h"
#include "support/render_text.h"

namespace usdcop {
namespace {

// -- The golden file: fixtures/websocket.prom (support/golden.h)
// ---------------------------------------

// Up, with every figure (a down probe leaves out those it did not reach).
WebSocketResult GoldenWebSocket() {
  WebSocketResult r;
  r.up = true;
  r.handshake_seconds = 0.0125;
  r.first_message_seconds = 0.75;
  r.connected_clients = 3;
  r.last_message_timestamp = 1795525800;
  r.messages_received_total = 42;
  return r;
}

const Golden kWebSocketGolden{"websocket", [] { return RenderText(GoldenWebSocket()); }};
[[maybe_unused]] const bool kWebSocketGoldenRegistered = RegisterGolden(kWebSocketGolden);

TEST(WebSocketMetricsTest, MatchesItsGoldenFileAndTheContract) { ExpectGolden(kWebSocketGolden); }

}  // namespace
}  // namespace usdcop
