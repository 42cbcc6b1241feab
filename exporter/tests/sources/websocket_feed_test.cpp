#include "sources/websocket_feed.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace usdcop {
namespace {

using ::testing::HasSubstr;

constexpr double kBarTime = 1795525500;  // 2026-11-24T13:05:00Z

TEST(WebSocketFeedTest, ABarIsDataAtItsOpenTime) {
  auto m = ParseFeedMessage(R"({"channel": "market_data", "timestamp": "2026-11-24T13:10:02.5Z",
      "data": {"symbol": "USD/COP", "time": "2026-11-24T13:05:00Z", "open": 4000.1, "high": 4001,
               "low": 3999.5, "close": 4000.7, "volume": 512}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, FeedMessage::Kind::kData);
  EXPECT_EQ(m->timestamp, kBarTime);
}

TEST(WebSocketFeedTest, ATickWithStringPricesAndUnixSecondsIsData) {
  auto m = ParseFeedMessage(
      R"({"channel": "ticks", "data": {"timestamp": 1795525500, "bid": "4000.10", "ask": "4000.90"}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, FeedMessage::Kind::kData);
  EXPECT_EQ(m->timestamp, kBarTime);
}

TEST(WebSocketFeedTest, TheEnvelopeTimeServesWhenTheDataHasNone) {
  auto m = ParseFeedMessage(
      R"({"channel": "ticks", "timestamp": "2026-11-24T13:05:00Z", "data": {"price": 4000.5}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->timestamp, kBarTime);
}

TEST(WebSocketFeedTest, ABatchIsJudgedByItsLastItem) {
  auto m =
      ParseFeedMessage(R"({"data": [{"time": 1, "price": 1}, {"time": 1795525500, "price": 2}]})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->timestamp, kBarTime);
}

TEST(WebSocketFeedTest, AMessageWithoutDataIsControl) {
  for (const char* text :
       {R"({"type": "welcome"})", R"({"channel": "heartbeat", "timestamp": 1, "data": null})"}) {
    auto m = ParseFeedMessage(text);
    ASSERT_TRUE(m.ok()) << text;
    EXPECT_EQ(m->kind, FeedMessage::Kind::kControl) << text;
  }
}

TEST(WebSocketFeedTest, BrokenMessagesAreParseErrorsQuotingTheirStart) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {R"({"channel": "market_data", "data": {)", "not a JSON object: \"{\"channel\""},
      {"[1, 2]", "not a JSON object"},
      {R"({"data": "4000.5"})", "\"data\" is not an object"},
      {R"({"data": {"time": 1795525500, "open": 1, "high": 2}})", "neither a bar"},
      {R"({"data": {"time": 1795525500, "price": "abc"}})", "neither a bar"},
      {R"({"data": {"price": 4000.5}})", "no time in \"data\""},
      {R"({"data": {"time": "yesterday", "price": 4000.5}})", "no time in \"data\""},
  };
  for (const Case& c : cases) {
    auto m = ParseFeedMessage(c.text);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.status().reason(), Reason::kParse);
    EXPECT_THAT(m.status().message(), HasSubstr(c.says)) << c.text;
  }
}

TEST(WebSocketFeedTest, TheQuoteIsShortAndPrintable) {
  std::string text = "\x01\x02" + std::string(500, 'x');
  auto m = ParseFeedMessage(text);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("\"??xxx"));
  EXPECT_LT(m.status().message().size(), 100u);
}

}  // namespace
}  // namespace usdcop
