// probes/websocket/websocket_view.cpp: the WebSocket session as the control API shows it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "probes/websocket/websocket_kind.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kNow = 1'700'000'000;

TEST(WebSocketViewTest, AnUpSessionWithEveryFigureAndADownOneWithoutThem) {
  WebSocketResult up;
  up.up = true;
  up.handshake_seconds = 0.0125;
  up.first_message_seconds = 0.75;
  up.connected_clients = 3;
  up.last_message_timestamp = kNow - 2;
  up.messages_received_total = 42;
  EXPECT_EQ(WebSocketKind::View(up, kNow), json({{"up", true},
                                                 {"handshake_seconds", 0.0125},
                                                 {"first_message_seconds", 0.75},
                                                 {"connected_clients", 3},
                                                 {"last_message", kNow - 2},
                                                 {"last_message_age_seconds", 2},
                                                 {"messages_received_total", 42}}));
  const json down = WebSocketKind::View(WebSocketResult{}, kNow);
  EXPECT_EQ(down["up"], false);
  for (const char* field : {"handshake_seconds", "first_message_seconds", "connected_clients",
                            "last_message", "last_message_age_seconds"})
    EXPECT_TRUE(down[field].is_null()) << field;
}

}  // namespace
}  // namespace usdcop
