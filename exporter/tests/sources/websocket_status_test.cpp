// sources/websocket_status.cpp: the WebSocket service's status endpoint over a scripted
// HttpClient (FakeHttp): its errors, the published bar and the client count.
#include "sources/websocket_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_http.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kUrl = "http://127.0.0.1:8765/status?token=t";
constexpr const char* kField = "probes.websocket.status_url";

Result<WebSocketStatus> Fetch(FakeHttp& http) {
  return FetchWebSocketStatus(http, kUrl, "", kField, Deadline::After(5s));
}

TEST(FetchWebSocketStatus, AnswersTheObjectAndSaysWhatToCheckOtherwise) {
  FakeHttp http;
  http.Answer(kUrl, 200, R"({"connections": 2})");
  auto ok = Fetch(http);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->what, "WebSocket status /status") << "no query: it may hold a token";
  EXPECT_EQ(http.requests.at(0).method, "GET");

  http.Answer(kUrl, 503, "starting");
  auto refused = Fetch(http);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), Reason::kHttpStatus);
  EXPECT_EQ(refused.status().message(),
            "WebSocket status /status answered HTTP 503 (check probes.websocket.status_url)");

  http.Answer(kUrl, 200, "[]");
  auto list = Fetch(http);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().reason(), Reason::kParse);

  http.On(kUrl, [](const HttpRequest&) {
    return Result<HttpResponse>(Status(Reason::kConnect, "connection refused"));
  });
  auto down = Fetch(http);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().reason(), Reason::kConnect);
  EXPECT_THAT(down.status().message(),
              HasSubstr("connection refused (check probes.websocket.status_url)"));
}

TEST(ParseWebSocketStatus, TakesAJsonObjectOnly) {
  auto ok = ParseWebSocketStatus("WebSocket status /status", R"({"connections": 2})");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->what, "WebSocket status /status");
  EXPECT_EQ(ok->body["connections"], 2);
  for (const char* body : {"[]", "2", "", "{\"connections\": 2", "null"}) {
    auto bad = ParseWebSocketStatus("WebSocket status /status", body);
    ASSERT_FALSE(bad.ok()) << body;
    EXPECT_EQ(bad.status().reason(), Reason::kParse);
    EXPECT_EQ(bad.status().message(), "WebSocket status /status: the answer is not a JSON object");
  }
}

TEST(PublishedBar, ReadsTheTimeAtThePointerAsTextOrSeconds) {
  const WebSocketStatus text{"s", {{"last_published_bar", "2026-11-24T13:05:00Z"}}};
  EXPECT_EQ(*PublishedBar(text, "/last_published_bar"), 1795525500);
  const WebSocketStatus nested{"s", {{"bars", {{"last", 1795525200}}}}};
  EXPECT_EQ(*PublishedBar(nested, "/bars/last"), 1795525200);
  const WebSocketStatus null_bar{"s", {{"last_published_bar", nullptr}}};
  EXPECT_THAT(PublishedBar(null_bar, "/last_published_bar").status().message(),
              HasSubstr("no published bar"));
  EXPECT_THAT(PublishedBar(text, "/other").status().message(),
              HasSubstr("no published bar at /other"));
  const WebSocketStatus word{"s", {{"last_published_bar", "soon"}}};
  EXPECT_THAT(PublishedBar(word, "/last_published_bar").status().message(),
              HasSubstr("is not an RFC 3339 time or Unix seconds"));
}

TEST(ConnectedClients, PrefersTheNewerStatusFieldThenTheHealthOne) {
  const WebSocketStatus both{
      "s", {{"websocket_connections", {{"active_connections", 4}}}, {"connections", 9}}};
  EXPECT_EQ(*ConnectedClients(both), 4);
  const WebSocketStatus health{"s", {{"connections", 9}}};
  EXPECT_EQ(*ConnectedClients(health), 9);
  const WebSocketStatus text{"s", {{"connections", "9"}}};
  auto none = ConnectedClients(text);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().reason(), Reason::kParse);
}

}  // namespace
}  // namespace usdcop
