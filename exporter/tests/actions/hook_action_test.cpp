// actions/hook_action.cpp: an action served by an operator hook, a command run without a shell
// (real processes: /bin/sh -c prints its environment back) or an HTTP call (FakeHttp).
#include "actions/hook_action.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_http.h"

namespace usdcop {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

class HookActionTest : public ::testing::Test {
 protected:
  ActionResult Run(const HookConfig& hook, const json& params) {
    return RunHookAction(ActionCall{caller_, params, Deadline::After(10s)}, "restart-websocket",
                         hook, http_);
  }
  static HookConfig Command(std::vector<std::string> argv) {
    HookConfig h;
    h.command = std::move(argv);
    h.timeout = 10s;
    return h;
  }

  FakeHttp http_;
  Caller caller_{"ops", ControlRole::kOperator};
};

TEST_F(HookActionTest, ACommandGetsTheActionTheCallerAndEachParamInItsEnvironment) {
  const HookConfig hook =
      Command({"/bin/sh", "-c",
               "echo \"$USDCOP_ACTION by $USDCOP_REQUESTED_BY: $USDCOP_PARAM_LAYER "
               "$USDCOP_PARAM_DRY_RUN $USDCOP_PARAM_COUNT\""});
  ActionResult r = Run(hook, json{{"layer", "L0"}, {"dry-run", true}, {"count", 3}});
  ASSERT_EQ(r.code, 200) << r.body.dump();
  EXPECT_EQ(r.body["output"], "restart-websocket by ops: L0 true 3\n")
      << "strings as they are, other values as JSON; non-alphanumerics in a field's name become _";
  EXPECT_EQ(r.body["hook"], "command");
  EXPECT_EQ(r.body["program"], "/bin/sh");
  EXPECT_EQ(r.body["exit_code"], 0);
  EXPECT_TRUE(r.body["signal"].is_null());
  EXPECT_FALSE(r.body.contains("error"));
  EXPECT_EQ(r.summary, "restart-websocket hook exit 0");
}

TEST_F(HookActionTest, AFailingCommandIs502WithItsExitStatusAndOutput) {
  ActionResult r = Run(Command({"/bin/sh", "-c", "echo no such unit >&2; exit 3"}), json::object());
  EXPECT_EQ(r.code, 502);
  EXPECT_EQ(r.body["exit_code"], 3);
  EXPECT_THAT(r.body["output"].get<std::string>(), HasSubstr("no such unit"));
  EXPECT_EQ(r.body["error"], "the hook /bin/sh failed: exit 3");
  EXPECT_EQ(r.summary, "restart-websocket hook exit 3");
}

TEST_F(HookActionTest, ACommandOverItsTimeoutIs504) {
  HookConfig hook = Command({"/bin/sleep", "10"});
  hook.timeout = 200ms;
  ActionResult r = Run(hook, json::object());
  EXPECT_EQ(r.code, 504) << r.body.dump();
  EXPECT_EQ(r.body["timed_out"], true);
  EXPECT_EQ(r.summary, "restart-websocket hook timed out after 200ms");
}

TEST_F(HookActionTest, ACommandThatCannotStartIsAPeerFailure) {
  ActionResult r = Run(Command({"/nonexistent/hook"}), json::object());
  EXPECT_EQ(r.code, 502) << r.body.dump();
  EXPECT_THAT(r.body["error"].get<std::string>(),
              HasSubstr("hook: restart-websocket (/nonexistent/hook) failed"));
}

TEST_F(HookActionTest, AnHttpHookGetsAJsonBodyAndTheBearerToken) {
  HookConfig hook;
  hook.url = "http://127.0.0.1:1/hooks/restart?key=k";
  hook.method = "PUT";
  hook.bearer_token = Secret("hook-token");
  http_.Answer(hook.url, 202, "queued");
  ActionResult r = Run(hook, json{{"layer", "L1"}});
  ASSERT_EQ(r.code, 200) << r.body.dump();
  EXPECT_EQ(r.body["hook"], "http");
  EXPECT_EQ(r.body["status"], 202);
  EXPECT_EQ(r.body["output"], "queued");
  EXPECT_EQ(r.summary, "restart-websocket hook HTTP 202");
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].method, "PUT");
  ASSERT_TRUE(http_.requests[0].bearer_token);
  EXPECT_EQ(http_.requests[0].bearer_token->reveal(), "hook-token");
  EXPECT_EQ(json::parse(http_.requests[0].body), json({{"action", "restart-websocket"},
                                                       {"requested_by", "ops"},
                                                       {"params", {{"layer", "L1"}}}}));
}

TEST_F(HookActionTest, AnHttpHookAnsweringAnErrorIs502AndNamesItsPathNotItsQuery) {
  HookConfig hook;
  hook.url = "http://127.0.0.1:1/hooks/restart?key=secret-key";
  http_.Answer(hook.url, 500, "broken");
  ActionResult r = Run(hook, json::object());
  EXPECT_EQ(r.code, 502);
  EXPECT_EQ(r.body["status"], 500);
  EXPECT_THAT(r.body["error"].get<std::string>(), HasSubstr("answered HTTP 500"));
  EXPECT_THAT(r.body.dump(), ::testing::Not(HasSubstr("secret-key")));

  http_.On(hook.url, [](const HttpRequest&) {
    return Result<HttpResponse>(Status(Reason::kTimeout, "timed out"));
  });
  ActionResult late = Run(hook, json::object());
  EXPECT_EQ(late.code, 504);
  EXPECT_THAT(late.body.dump(), ::testing::Not(HasSubstr("secret-key")));
}

}  // namespace
}  // namespace usdcop
