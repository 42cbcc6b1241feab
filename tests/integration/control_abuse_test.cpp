// The control API of the real usdcop_exporter under abuse: a flood of refused requests is audited
// as counts, not a row each; old audit rows are deleted; JSON nested to overflow a recursive
// walker is refused before anything walks it.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "support/control_client.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kOperator = "operator-tok-5d21";
constexpr const char* kWebhook = "webhook-tok-90ac";

class ControlAbuseIT : public ::testing::Test {
 protected:
  void Start(const std::string& extra = "",
             const std::string& rate = "{per_second: 100000, burst: 100000}") {
    stack_.WriteConfig("control:\n  tokens:\n" + ControlTokenYaml("ops", kOperator, "operator") +
                       ControlTokenYaml("alertmanager", kWebhook, "webhook") +
                       "  rate_limit: " + rate + "\n" + extra);
    port_ = StartExporterWithControl(stack_);
    ASSERT_NE(port_, 0);
  }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_keep_alive(true);
    c.set_connection_timeout(3s);
    c.set_read_timeout(10s);
    return c;
  }
  std::string Db() const { return stack_.File("state.db"); }

  Stack stack_;
  int port_ = 0;
};

TEST_F(ControlAbuseIT, AFloodOfRefusalsIsAuditedAsCountsNotARowEach) {
  Start();
  constexpr int kEach = 1000;
  int answered = 0;
  {
    httplib::Client c = Client();
    for (int i = 0; i < kEach; ++i) {
      auto r = c.Get("/api/no-such-" + std::to_string(i));
      if (r && r->status == 404) answered++;
      r = c.Get("/api/l0/health", {{"Authorization", "Bearer guess-" + std::to_string(i)}});
      if (r && r->status == 401) answered++;
    }
  }
  ASSERT_EQ(answered, 2 * kEach);
  // Every request is in the metric at once.
  EXPECT_TRUE(stack_.WaitForValue(
      R"(usdcop_control_requests_total{endpoint="other",method="GET",code="404"})", kEach));
  EXPECT_TRUE(stack_.WaitForValue(
      R"(usdcop_control_requests_total{endpoint="/api/l0/health",method="GET",code="401"})",
      kEach));
  // In the audit log: a row per kind and minute (the flood may straddle one), with its count.
  ASSERT_EQ(stack_.StopExporter(), 0);
  auto rows = QueryRow(
      Db(), "SELECT count(*), sum(count), sum(code = 404), sum(code = 401) FROM audit_log");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_LE(std::stoi(rows[0]), 4) << "rows";
  EXPECT_EQ(std::stoi(rows[1]), 2 * kEach)
      << "the counts add up to every request (flushed at shutdown)";
  EXPECT_GE(std::stoi(rows[2]), 1);
  EXPECT_GE(std::stoi(rows[3]), 1);
  const std::string log = stack_.exporter().Log();
  size_t lines = 0;
  for (size_t at = log.find("msg=\"control request\""); at != std::string::npos;
       at = log.find("msg=\"control request\"", at + 1))
    lines++;
  EXPECT_LE(lines, 4u)
      << "the first of each kind and minute is logged; the rest in a line a minute";
  EXPECT_NE(log.find("msg=\"control requests refused\""), std::string::npos) << log.substr(0, 4000);
}

TEST_F(ControlAbuseIT, RateLimitedRequestsAreRefusedBeforeTheyAreRoutedAndCounted) {
  Start("", "{per_second: 1, burst: 5}");
  int limited = 0;
  {
    httplib::Client c = Client();
    for (int i = 0; i < 300; ++i) {
      auto r = c.Get("/api/no-such-" + std::to_string(i));
      if (r && r->status == 429) limited++;
    }
  }
  EXPECT_GE(limited, 290);
  ASSERT_EQ(stack_.StopExporter(), 0);
  auto rows = QueryRow(
      Db(), "SELECT count(*), sum(count), sum(count) FILTER (WHERE code = 429) FROM audit_log");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_LE(std::stoi(rows[0]), 4);
  EXPECT_EQ(std::stoi(rows[1]), 300);
  EXPECT_EQ(std::stoi(rows[2]), limited);
}

TEST_F(ControlAbuseIT, AuditRowsOlderThanTheRetentionAreDeleted) {
  Start();
  {
    httplib::Client c = Client();
    auto r = c.Get("/api/l0/health", {{"Authorization", std::string("Bearer ") + kOperator}});
    ASSERT_TRUE(r);
  }
  ASSERT_EQ(stack_.StopExporter(), 0);
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const long long day = 86400LL * 1000000;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Db().c_str(), &db), SQLITE_OK);
  const std::string insert =
      "INSERT INTO audit_log(time_us, caller, address, method, endpoint, action, params, code, "
      "result) VALUES ";
  ASSERT_EQ(sqlite3_exec(db,
                         (insert + "(" + std::to_string(now_us - 31 * day) +
                          ", 'old', '127.0.0.1', 'GET', "
                          "'/api/l0/health', '', '{}', 200, 'ok'), (" +
                          std::to_string(now_us - 29 * day) +
                          ", 'kept', '127.0.0.1', 'GET', '/api/l0/health', '', '{}', 200, 'ok');")
                             .c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Start("  audit_retention: 30d\n");
  EXPECT_TRUE(stack_.exporter().WaitForLog("msg=\"deleted old audit rows\" rows=1", 10s))
      << stack_.exporter().Log();
  ASSERT_EQ(stack_.StopExporter(), 0);
  auto rows = QueryRow(
      Db(), "SELECT sum(caller = 'old'), sum(caller = 'kept'), sum(caller = 'ops') FROM audit_log");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], "0");
  EXPECT_EQ(rows[1], "1");
  EXPECT_EQ(rows[2], "1");
}

TEST_F(ControlAbuseIT, JsonNestedThousandsDeepIs400AndTheExporterLives) {
  Start();
  const std::string deep = std::string(32 * 1024 - 40, '[') + std::string(32 * 1024 - 40, ']');
  httplib::Client c = Client();
  auto r = c.Post("/api/l0/health", {{"Authorization", std::string("Bearer ") + kOperator}}, deep,
                  "application/json");
  ASSERT_TRUE(r) << stack_.exporter().Log();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(nlohmann::json::parse(r->body, nullptr, false).value("field", ""), "body") << r->body;
  r = c.Post("/api/alerts/webhook", {{"Authorization", std::string("Bearer ") + kWebhook}},
             R"({"version": "4", "alerts": )" + deep + "}", "application/json");
  ASSERT_TRUE(r) << stack_.exporter().Log();
  EXPECT_EQ(r->status, 400);
  // Still serving, and the refusals are in the audit log.
  r = c.Get("/api/l0/health", {{"Authorization", std::string("Bearer ") + kOperator}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(stack_.StopExporter(), 0);
  auto rows = QueryRow(
      Db(), "SELECT count(*) FROM audit_log WHERE code = 400 AND result = 'JSON too deep'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], "2");
}

}  // namespace
}  // namespace usdcop::testing
