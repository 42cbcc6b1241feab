#include "sources/twelvedata_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_http.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(VendorTwelveDataTest, UsagePerMinuteAndPerDay) {
  auto minute = ParseApiUsage(
      200, R"({"timestamp": "2026-11-24 15:00:00", "current_usage": 6, "plan_limit": 8,
                                        "plan_category": "basic"})");
  ASSERT_TRUE(minute.ok()) << minute.status().ToString();
  EXPECT_EQ(minute->current_usage, 6);
  EXPECT_EQ(minute->plan_limit, 8);
  EXPECT_FALSE(minute->daily_usage);

  auto daily = ParseApiUsage(
      200, R"({"timestamp": "2026-11-24 15:00:00", "current_usage": 1, "plan_limit": 8,
                                       "daily_usage": 770, "plan_daily_limit": 800, "plan_category": "basic"})");
  ASSERT_TRUE(daily.ok()) << daily.status().ToString();
  EXPECT_EQ(*daily->daily_usage, 770);
  EXPECT_EQ(*daily->plan_daily_limit, 800);
}

TEST(VendorTwelveDataTest, RateLimitAsHttp429OrAsAnErrorBodyWith200) {
  auto http = ParseApiUsage(429, "Too Many Requests");
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().reason(), Reason::kRateLimited);
  auto body = ParseApiUsage(
      200, R"({"code": 429, "message": "You have run out of API credits for the current minute.",
                                      "status": "error"})");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().reason(), Reason::kRateLimited);
  EXPECT_THAT(body.status().message(), HasSubstr("run out of API credits"));
}

TEST(VendorTwelveDataTest, UnauthorizedServerErrorAndGarbage) {
  auto auth = ParseApiUsage(
      401, R"({"code": 401, "message": "**apikey** parameter is incorrect", "status": "error"})");
  EXPECT_EQ(auth.status().reason(), Reason::kAuth);
  EXPECT_EQ(ParseApiUsage(401, "").status().reason(), Reason::kAuth);
  EXPECT_EQ(ParseApiUsage(200, R"({"code": 401, "message": "bad key", "status": "error"})")
                .status()
                .reason(),
            Reason::kAuth);
  auto server = ParseApiUsage(500, "<html>oops</html>");
  EXPECT_EQ(server.status().reason(), Reason::kHttpStatus);
  EXPECT_EQ(server.status().message(), "/api_usage answered HTTP 500");
  EXPECT_EQ(ParseApiUsage(200, "}{ not json").status().reason(), Reason::kParse);
  EXPECT_EQ(ParseApiUsage(200, R"({"current_usage": "six", "plan_limit": 8})").status().reason(),
            Reason::kParse);
  EXPECT_EQ(ParseApiUsage(200, R"({"current_usage": 1, "plan_limit": 8, "daily_usage": 3})")
                .status()
                .reason(),
            Reason::kParse);
}

TEST(VendorTwelveDataTest, TheKeyGoesEscapedInTheQueryAndNeverIntoMessages) {
  FakeHttp http;
  TwelveDataClient client("http://td.test", http);
  const Secret key("planted key/+&=");
  http.Answer("http://td.test/api_usage?apikey=planted%20key%2F%2B%26%3D", 500, "down");
  auto r = client.Usage(key, Deadline::After(1s));
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "GET");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kHttpStatus);
  EXPECT_THAT(r.status().message(), Not(HasSubstr("planted")));
}

}  // namespace
}  // namespace usdcop
