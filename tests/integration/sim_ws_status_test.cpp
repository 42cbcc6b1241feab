// pipeline-sim's stand-in for the WebSocket service's GET /status: its last_published_bar
// follows the newest bar written, freezes under the handover_stall fault while bars keep being
// written, and catches up at once when the fault is cleared. The calendar is open around the
// clock (UTC) with 2-second bars, so bars move within seconds at any hour except the last minute of
// the UTC day, when that calendar is closed and the tests that need a new bar are skipped.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/sim_json.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class SimWsStatusIT : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartSim({"--market.sqlite", stack_.File("market.db"), "--market.calendar", "always",
                     "--market.timezone", AlwaysOpenZone(), "--market.bar-interval", "2s",
                     "--market.backfill-days", "1"});
  }
  json Status() const { return GetJson(stack_.sim_port(), "/status"); }
  json State() const { return GetJson(stack_.sim_port(), "/sim/market/state"); }
  // Whether the next bar is due within 10 s (not so in the calendar's nightly close).
  bool NextBarSoon() const {
    auto due = UnixSeconds(State()["next_bar_due_at"]);
    return due && *due - std::time(nullptr) <= 10;
  }
  // Waits (up to 15 s) until the newest written bar is later than `than`.
  bool WaitForBarAfter(std::time_t than) const {
    return Eventually([&] { return UnixSeconds(State()["last_bar_time"]).value_or(0) > than; },
                      15s);
  }

  Stack stack_;
};

TEST_F(SimWsStatusIT, StatusPublishesTheNewestWrittenBar) {
  json status = Status();
  EXPECT_EQ(status["status"], "healthy");
  EXPECT_EQ(status["service"], "usdcop-websocket (pipeline-sim stand-in)");
  EXPECT_TRUE(UnixSeconds(status["timestamp"])) << status.dump();
  EXPECT_EQ(status["connections"], 0);
  EXPECT_EQ(status["redis_connected"], true);
  EXPECT_EQ(status["websocket_connections"]["total_connections"], 0);
  EXPECT_EQ(status["websocket_connections"]["active_connections"], 0);
  EXPECT_GE(status["websocket_connections"]["messages_sent"].get<int64_t>(),
            1);  // the backfill at least
  ASSERT_TRUE(status["last_published_bar"].is_string()) << status.dump();
  EXPECT_TRUE(std::regex_match(status["last_published_bar"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << status.dump();
  // A bar written between the two reads would move both; they agree once no write falls between.
  EXPECT_TRUE(
      Eventually([&] { return Status()["last_published_bar"] == State()["last_bar_time"]; }, 5s))
      << Status().dump() << "\n"
      << State().dump();
  EXPECT_TRUE(
      Eventually([&] { return State()["last_published_bar"] == State()["last_bar_time"]; }, 5s));
}

TEST_F(SimWsStatusIT, HandoverStallFreezesThePublishedBarUntilCleared) {
  if (!NextBarSoon())
    GTEST_SKIP() << "no bar due within 10 s (the always calendar closes at 23:59 UTC)";
  stack_.Sim("/sim/market/fault", R"({"fault": "handover_stall"})");
  json stalled = Status();
  auto frozen = UnixSeconds(stalled["last_published_bar"]);
  ASSERT_TRUE(frozen) << stalled.dump();
  int64_t messages = stalled["websocket_connections"]["messages_sent"];

  ASSERT_TRUE(WaitForBarAfter(*frozen)) << State().dump();
  json state = State();
  EXPECT_EQ(state["fault"], "handover_stall");
  EXPECT_EQ(UnixSeconds(state["last_published_bar"]), frozen);
  json still = Status();
  EXPECT_EQ(UnixSeconds(still["last_published_bar"]), frozen) << still.dump();
  EXPECT_EQ(still["websocket_connections"]["messages_sent"], messages);

  // Cleared: the published bar catches up at once, without waiting for the next bar.
  std::time_t written = UnixSeconds(State()["last_bar_time"]).value_or(0);
  ASSERT_GT(written, *frozen);
  stack_.Sim("/sim/market/fault", R"({"fault": "none"})");
  json caught_up = Status();
  EXPECT_GE(UnixSeconds(caught_up["last_published_bar"]).value_or(0), written) << caught_up.dump();
  EXPECT_GT(caught_up["websocket_connections"]["messages_sent"].get<int64_t>(), messages);
  EXPECT_TRUE(
      Eventually([&] { return Status()["last_published_bar"] == State()["last_bar_time"]; }, 5s));
}

TEST_F(SimWsStatusIT, ResetClearsTheStall) {
  if (!NextBarSoon())
    GTEST_SKIP() << "no bar due within 10 s (the always calendar closes at 23:59 UTC)";
  stack_.Sim("/sim/market/fault", R"({"fault": "handover_stall"})");
  auto frozen = UnixSeconds(Status()["last_published_bar"]);
  ASSERT_TRUE(frozen);
  ASSERT_TRUE(WaitForBarAfter(*frozen)) << State().dump();
  std::time_t written = UnixSeconds(State()["last_bar_time"]).value_or(0);
  ASSERT_GT(written, *frozen);
  stack_.Sim("/sim/reset", "");
  EXPECT_GE(UnixSeconds(Status()["last_published_bar"]).value_or(0), written);
  EXPECT_EQ(State()["fault"], "none");
}

// Hour-long bars: a restart within the hour has nothing to backfill, every bar is present.
TEST(SimWsStatusRestartIT, BarsAlreadyInTheTablePublishAtStartup) {
  Stack stack;
  const std::vector<std::string> args = {"--market.sqlite",        stack.File("market.db"),
                                         "--market.calendar",      "always",
                                         "--market.bar-interval",  "1h",
                                         "--market.backfill-days", "1"};
  stack.StartSim(args);
  json first = GetJson(stack.sim_port(), "/status");
  ASSERT_TRUE(UnixSeconds(first["last_published_bar"])) << first.dump();
  stack.StartSim(args);
  json again = GetJson(stack.sim_port(), "/status");
  EXPECT_EQ(again["last_published_bar"], first["last_published_bar"]) << again.dump();
}

// --market.timezone moves the calendar: hour-long bars open on the zone's hours, so at half past
// the UTC hour in India (UTC+05:30). A zone the tz database lacks stops the simulator at start.
TEST(SimMarketTimezoneIT, TheCalendarRunsOnTheZonesHours) {
  Stack stack;
  stack.StartSim({"--market.sqlite", stack.File("market.db"), "--market.calendar", "always",
                  "--market.timezone", "Asia/Kolkata", "--market.bar-interval", "1h",
                  "--market.backfill-days", "1"});
  json state = GetJson(stack.sim_port(), "/sim/market/state");
  ASSERT_TRUE(state["last_bar_time"].is_string()) << state.dump();
  EXPECT_EQ(state["last_bar_time"].get<std::string>().substr(13, 6), ":30:00") << state.dump();

  CommandResult bad = RunCommand(
      {PIPELINE_SIM_BIN, "--listen", "127.0.0.1:0", "--state-dir", stack.File("sim2"),
       "--market.sqlite", stack.File("other.db"), "--market.timezone", "Mars/Olympus_Mons"},
      "", 10s);
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--market.timezone"), std::string::npos) << bad.output;
}

TEST(SimWsStatusNoMarketIT, StatusAnswers409WithoutMarketData) {
  Stack stack;
  stack.StartSim();
  std::string body;
  EXPECT_EQ(HttpGetStatus(stack.sim_port(), "/status", &body), 409);
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  EXPECT_EQ(parsed.value("field", ""), "market") << body;
  EXPECT_TRUE(parsed.contains("error")) << body;
}

}  // namespace
}  // namespace usdcop::testing
