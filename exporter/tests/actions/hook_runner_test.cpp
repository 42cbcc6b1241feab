#include "actions/hook_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/fd.h"
#include "support/fake_http.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

CommandSpec Cmd(std::vector<std::string> argv) { return CommandSpec{.argv = std::move(argv)}; }

CommandResult MustRun(const CommandSpec& spec, std::chrono::milliseconds timeout = 10s) {
  Result<CommandResult> r = RunCommand(spec, Deadline::After(timeout));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : CommandResult{};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A process is alive while /proc has it in a state other than zombie (a container's pid 1 may
// never reap the orphans we kill).
bool Alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat, content)) return false;
  size_t paren = content.rfind(')');
  return paren != std::string::npos && paren + 2 < content.size() && content[paren + 2] != 'Z' &&
         content[paren + 2] != 'X';
}

// Waits up to 2 s for `pid` to be gone.
bool GoneSoon(pid_t pid) {
  for (auto until = std::chrono::steady_clock::now() + 2s;
       std::chrono::steady_clock::now() < until;) {
    if (!Alive(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

pid_t FirstLineAsPid(const std::string& output) {
  std::vector<std::string> lines = Lines(output);
  return lines.empty() ? -1 : static_cast<pid_t>(std::stol(lines[0]));
}

// --- Output and exit ------------------------------------------------------------------------

TEST(HookRunnerCommand, CapturesStdoutAndStderrInOrder) {
  CommandResult r = MustRun(Cmd({"/bin/sh", "-c", "echo out; echo err >&2; echo out2"}));
  EXPECT_EQ(r.output, "out\nerr\nout2\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.signal);
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.output_truncated_bytes, 0u);
  EXPECT_GT(r.duration_seconds, 0);
  EXPECT_LT(r.duration_seconds, 5);
}

TEST(HookRunnerCommand, BareNameIsFoundInTheHookPath) {
  CommandResult r = MustRun(Cmd({"echo", "hello", "world"}));
  EXPECT_EQ(r.output, "hello world\n");
}

TEST(HookRunnerCommand, ReportsTheExitCode) {
  CommandResult r = MustRun(Cmd({"/bin/sh", "-c", "echo failing; exit 3"}));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.signal);
  EXPECT_FALSE(r.success());
  EXPECT_EQ(r.output, "failing\n");
}

TEST(HookRunnerCommand, ReportsTheSignalThatEndedIt) {
  CommandResult r = MustRun(Cmd({"/bin/sh", "-c", "kill -USR1 $$"}));
  EXPECT_FALSE(r.exit_code);
  EXPECT_EQ(r.signal, SIGUSR1);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.success());
}

TEST(HookRunnerCommand, NoShellInterpretsTheArguments) {
  CommandResult r = MustRun(Cmd({"/bin/echo", "$(id)", "*", "a;b", "`id`", "$HOME"}));
  EXPECT_EQ(r.output, "$(id) * a;b `id` $HOME\n");
}

TEST(HookRunnerCommand, StdinIsDevNull) {
  CommandResult r = MustRun(Cmd({"/bin/cat"}), 5s);  // would wait forever on an inherited terminal
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "");
  EXPECT_EQ(MustRun(Cmd({"/bin/readlink", "/proc/self/fd/0"})).output, "/dev/null\n");
}

TEST(HookRunnerCommand, ControlCharactersAndInvalidUtf8BecomeQuestionMarks) {
  CommandResult r =
      MustRun(Cmd({"/usr/bin/printf", "a\\001b\\tc\\r\\n\\000\\033[31m\\377\\303\\251\\n"}));
  EXPECT_EQ(r.output, "a?b\tc?\n??[31m?\xC3\xA9\n");
}

TEST(HookRunnerCommand, LargeOutputIsCutAndCountedWithoutBlockingTheChild) {
  CommandSpec spec = Cmd({"/usr/bin/head", "-c", "10000000", "/dev/zero"});
  CommandResult r = MustRun(spec, 10s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, std::string(kDefaultHookMaxOutput, '?'));  // NUL bytes, replaced
  EXPECT_EQ(r.output_truncated_bytes, 10000000u - kDefaultHookMaxOutput);
  EXPECT_LT(r.duration_seconds, 5);
}

TEST(HookRunnerCommand, EndlessOutputStillTimesOut) {
  CommandSpec spec = Cmd({"/usr/bin/yes", "a fast writer keeps the pipe full"});
  CommandResult r = MustRun(spec, 300ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_LT(r.duration_seconds, 2.0);
  EXPECT_GT(r.output_truncated_bytes, 0u);
  EXPECT_EQ(r.output.size(), kDefaultHookMaxOutput);
}

TEST(HookRunnerCommand, MaxOutputIsTheCallersLimit) {
  CommandSpec spec = Cmd({"/bin/echo", "0123456789"});
  spec.max_output = 4;
  CommandResult r = MustRun(spec);
  EXPECT_EQ(r.output, "0123");
  EXPECT_EQ(r.output_truncated_bytes, 7u);
}

TEST(HookRunnerCommand, ExitIsNoticedWhenTheOutputWasClosedEarly) {
  CommandResult r = MustRun(Cmd({"/bin/sh", "-c", "echo bye; exec >&- 2>&-; sleep 0.3; exit 4"}));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.output, "bye\n");
  EXPECT_GE(r.duration_seconds, 0.3);
  EXPECT_LT(r.duration_seconds, 1.0);
}

// --- Environment ----------------------------------------------------------------------------

TEST(HookRunnerCommand, EnvironmentHoldsOnlyPathLangAndTheCallersVariables) {
  ASSERT_EQ(::setenv("USDCOP_TEST_PLANTED_KEY", "planted-exporter-secret", 1), 0);
  CommandSpec spec = Cmd({"/usr/bin/env"});
  spec.env = {{"USDCOP_ACTION", "restart_l0"},
              {"USDCOP_REQUESTED_BY", "alice"},
              {"USDCOP_PARAM_LAYER", "l0 l1=x"}};
  CommandResult r = MustRun(spec);
  ::unsetenv("USDCOP_TEST_PLANTED_KEY");
  EXPECT_THAT(r.output, Not(HasSubstr("planted")));
  EXPECT_THAT(Lines(r.output),
              UnorderedElementsAre("PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
                                   "USDCOP_ACTION=restart_l0", "USDCOP_REQUESTED_BY=alice",
                                   "USDCOP_PARAM_LAYER=l0 l1=x"));
}

TEST(HookRunnerCommand, BadVariableNamesAndValuesAreRefused) {
  const std::vector<std::pair<std::string, std::string>> bad[] = {{{"lower", "x"}},
                                                                  {{"1ABC", "x"}},
                                                                  {{"A-B", "x"}},
                                                                  {{"", "x"}},
                                                                  {{"A=B", "x"}},
                                                                  {{"PATH", "/tmp"}},
                                                                  {{"LANG", "C"}},
                                                                  {{"LD_PRELOAD\n", "x"}},
                                                                  {{"OK", "x"}, {"OK", "y"}},
                                                                  {{"OK", std::string("a\0b", 3)}}};
  for (const auto& env : bad) {
    CommandSpec spec = Cmd({"/bin/true"});
    spec.env = env;
    Result<CommandResult> r = RunCommand(spec, Deadline::After(5s));
    ASSERT_FALSE(r.ok()) << "accepted " << env[0].first;
    EXPECT_EQ(r.status().reason(), Reason::kInternal);
    EXPECT_THAT(r.status().message(), HasSubstr("environment variable"));
  }
  CommandSpec fine = Cmd({"/bin/true"});
  fine.env = {{"_UNDER_1", ""}, {"A", "=;$x"}};
  EXPECT_TRUE(RunCommand(fine, Deadline::After(5s)).ok());
}

// --- Descriptors and signals ----------------------------------------------------------------

TEST(HookRunnerCommand, NoDescriptorLeaksIntoTheChild) {
  // A descriptor without O_CLOEXEC, as a careless library in the exporter might leave.
  int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 3);
  CommandResult listing = MustRun(Cmd({"/bin/ls", "/proc/self/fd"}));
  CommandResult shell = MustRun(Cmd({"/bin/sh", "-c", "ls /proc/$$/fd"}));
  ::close(leaky);
  // ls's own directory handle is 3.
  EXPECT_THAT(Lines(listing.output), ElementsAre("0", "1", "2", "3"));
  EXPECT_THAT(Lines(shell.output), ElementsAre("0", "1", "2"));
  CommandResult links = MustRun(Cmd({"/bin/sh", "-c", "readlink /proc/$$/fd/1 /proc/$$/fd/2"}));
  std::vector<std::string> l = Lines(links.output);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_THAT(l[0], HasSubstr("pipe:"));
  EXPECT_EQ(l[0], l[1]);
}

TEST(HookRunnerCommand, RunsInItsOwnProcessGroup) {
  CommandResult r = MustRun(Cmd({"/bin/sh", "-c", "cut -d' ' -f5 /proc/$$/stat; echo $$"}));
  std::vector<std::string> l = Lines(r.output);
  ASSERT_EQ(l.size(), 2u) << r.output;
  EXPECT_EQ(std::stol(l[0]), std::stol(l[1]));
  EXPECT_NE(std::stol(l[0]), static_cast<long>(::getpgrp()));
}

TEST(HookRunnerCommand, ChildDoesNotInheritTheCallersBlockedSignals) {
  // The daemon blocks SIGTERM in every thread; the hook must still die of SIGTERM.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &old), 0);
  CommandSpec spec = Cmd({"/bin/sleep", "10"});
  spec.kill_grace = 5s;
  Result<CommandResult> r = RunCommand(spec, Deadline::After(200ms));
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_LT(r->duration_seconds, 2.0);
}

TEST(HookRunnerCommand, ChildDoesNotInheritIgnoredSignals) {
  // Ignored dispositions survive exec: with SIGPIPE ignored, `yes` would see EPIPE and complain
  // on stderr instead of dying quietly as a pipeline expects.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old), 0);
  CommandResult r = MustRun(Cmd({"/bin/sh", "-c", "yes | head -c 1"}));
  ::sigaction(SIGPIPE, &old, nullptr);
  EXPECT_EQ(r.output, "y");
  EXPECT_EQ(r.exit_code, 0);
}

// --- Timeout and cancellation ---------------------------------------------------------------

TEST(HookRunnerCommand, TimeoutKillsTheWholeProcessGroup) {
  CommandResult r = MustRun(Cmd({"/bin/sh", "-c", "sleep 10 & echo $!; sleep 10"}), 300ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.success());
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_GE(r.duration_seconds, 0.3);
  EXPECT_LT(r.duration_seconds, 1.0);  // SIGTERM sufficed: no wait for the grace
  pid_t grandchild = FirstLineAsPid(r.output);
  ASSERT_GT(grandchild, 0) << r.output;
  EXPECT_TRUE(GoneSoon(grandchild)) << "grandchild " << grandchild << " survived";
}

TEST(HookRunnerCommand, WhatIgnoresSigtermGetsSigkillAfterTheGrace) {
  CommandSpec spec = Cmd({"/bin/sh", "-c", "trap '' TERM; sleep 10 & echo $!; sleep 10"});
  spec.kill_grace = 300ms;
  CommandResult r = MustRun(spec, 200ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GE(r.duration_seconds, 0.5);
  EXPECT_LT(r.duration_seconds, 2.0);
  pid_t grandchild = FirstLineAsPid(r.output);
  ASSERT_GT(grandchild, 0) << r.output;
  EXPECT_TRUE(GoneSoon(grandchild)) << "grandchild " << grandchild << " survived";
}

TEST(HookRunnerCommand, WhatTheCommandLeftRunningIsStoppedWhenItExits) {
  CommandResult r = MustRun(Cmd({"/bin/sh", "-c", "sleep 10 & echo $!; exit 0"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(r.duration_seconds, 1.0);
  pid_t grandchild = FirstLineAsPid(r.output);
  ASSERT_GT(grandchild, 0) << r.output;
  EXPECT_TRUE(GoneSoon(grandchild)) << "grandchild " << grandchild << " survived";
}

TEST(HookRunnerCommand, CancelFlagStopsTheCommand) {
  std::atomic<bool> cancel{false};
  std::thread raiser([&] {
    std::this_thread::sleep_for(200ms);
    cancel = true;
  });
  Result<CommandResult> r = RunCommand(Cmd({"/bin/sleep", "10"}), Deadline::After(30s, &cancel));
  raiser.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->cancelled);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_LT(r->duration_seconds, 1.5);
}

TEST(HookRunnerCommand, DoesNotStartPastTheDeadlineOrWhenCancelled) {
  Result<CommandResult> late = RunCommand(Cmd({"/bin/true"}), Deadline::After(0ms));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().reason(), Reason::kTimeout);
  std::atomic<bool> cancel{true};
  Result<CommandResult> cancelled = RunCommand(Cmd({"/bin/true"}), Deadline::After(5s, &cancel));
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.status().reason(), Reason::kCancelled);
}

// --- Commands that cannot start -------------------------------------------------------------

TEST(HookRunnerCommand, MissingProgramIsAnErrorNamingIt) {
  Result<CommandResult> r = RunCommand(Cmd({"/no/such/hook", "x"}), Deadline::After(5s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kIo);
  EXPECT_THAT(r.status().message(), HasSubstr("\"/no/such/hook\""));
  EXPECT_THAT(r.status().message(), HasSubstr("No such file or directory"));

  Result<CommandResult> bare = RunCommand(Cmd({"usdcop-no-such-hook"}), Deadline::After(5s));
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.status().reason(), Reason::kIo);
  EXPECT_THAT(bare.status().message(), HasSubstr("\"usdcop-no-such-hook\""));
  EXPECT_THAT(bare.status().message(), HasSubstr("No such file or directory"));
}

TEST(HookRunnerCommand, NonExecutableProgramIsAnErrorNamingIt) {
  TempDir dir;
  const std::string script = dir.File("hook.sh");
  std::ofstream(script) << "#!/bin/sh\necho should not run\n";
  ::chmod(script.c_str(), 0644);
  Result<CommandResult> r = RunCommand(Cmd({script}), Deadline::After(5s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kIo);
  EXPECT_THAT(r.status().message(), HasSubstr(script));
  EXPECT_THAT(r.status().message(), HasSubstr("Permission denied"));

  ::chmod(script.c_str(), 0755);
  EXPECT_EQ(MustRun(Cmd({script})).output, "should not run\n");  // the same file, now allowed
}

TEST(HookRunnerCommand, RelativePathsAndEmptyArgvAreRefused) {
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{}, {""}, {"bin/echo", "x"}, {"./echo"}}) {
    Result<CommandResult> r = RunCommand(Cmd(argv), Deadline::After(5s));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().reason(), Reason::kInternal) << r.status().ToString();
  }
}

TEST(HookRunnerCommand, RunsConcurrentlyFromSeveralThreads) {
  constexpr int kThreads = 6;
  std::vector<CommandResult> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i, &results] {
      results[i] = MustRun(
          Cmd({"/bin/sh", "-c", "sleep 0.1; echo " + std::to_string(i) + "; ls /proc/$$/fd"}));
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_THAT(Lines(results[i].output), ElementsAre(std::to_string(i), "0", "1", "2"))
        << "thread " << i;
  }
}

// --- Processes that leave the group (setsid) ------------------------------------------------

// The test process adopts orphans for the test's length only: other tests start daemons
// (PostgreSQL) that must not be taken for a hook's escapees.
class HookRunnerEscapees : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(AdoptOrphanedHookProcesses()) << ErrnoText(errno); }
  void TearDown() override { EXPECT_TRUE(AdoptOrphanedHookProcesses(false)); }
};

// A hook whose child leaves the group (setsid), writes its pid to `dir`/escapee once out (the
// hook waits for it, at most 5 s, and prints it), and sleeps; then the hook does `then`.
CommandSpec Escaping(const TempDir& dir, const std::string& then) {
  const std::string file = dir.File("escapee");
  return Cmd({"/bin/sh", "-c",
              "setsid /bin/sh -c 'echo $$ > " + file + ".tmp && mv " + file + ".tmp " + file +
                  "; exec sleep 30' >/dev/null 2>&1 & i=0; while [ ! -s " + file +
                  " ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; cat " + file + "; " +
                  then});
}

TEST_F(HookRunnerEscapees, AProcessThatCalledSetsidIsStoppedWhenItsHookExits) {
  TempDir dir;
  CommandResult r = MustRun(Escaping(dir, "exit 0"));
  EXPECT_EQ(r.exit_code, 0);
  pid_t escapee = FirstLineAsPid(r.output);
  ASSERT_GT(escapee, 0) << r.output;
  EXPECT_FALSE(Alive(escapee)) << "the setsid process " << escapee << " outlived its hook";
}

TEST_F(HookRunnerEscapees, AProcessThatCalledSetsidIsStoppedWhenItsHookTimesOut) {
  TempDir dir;
  CommandResult r = MustRun(Escaping(dir, "sleep 30"), 1s);
  EXPECT_TRUE(r.timed_out);
  pid_t escapee = FirstLineAsPid(r.output);
  ASSERT_GT(escapee, 0) << r.output;
  EXPECT_FALSE(Alive(escapee)) << "the setsid process " << escapee << " outlived its hook";
}

TEST_F(HookRunnerEscapees, CommandsStillRunningAreNotTakenForEscapees) {
  TempDir dir;
  CommandResult slow;
  std::thread other([&slow] { slow = MustRun(Cmd({"/bin/sh", "-c", "sleep 1; echo done"})); });
  std::this_thread::sleep_for(100ms);
  CommandResult r = MustRun(Escaping(dir, "exit 0"));
  other.join();
  pid_t escapee = FirstLineAsPid(r.output);
  ASSERT_GT(escapee, 0) << r.output;
  EXPECT_FALSE(Alive(escapee));
  EXPECT_EQ(slow.exit_code, 0);
  EXPECT_EQ(slow.output, "done\n");
}

// --- Output cleaning ------------------------------------------------------------------------

TEST(HookRunnerOutput, KeepsValidUtf8AndReplacesTheRestOneForOne) {
  CappedOutput out(1000);
  const std::string in = "é € 😀 \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80 \xE2\x82 x\x7F\n\t";
  out.Append(in.data(), in.size());
  EXPECT_EQ(out.Text(), "é € 😀 ?? ??? ???? ?? x?\n\t");
  EXPECT_EQ(out.Text().size(), in.size());
}

TEST(HookRunnerOutput, CountsWhatItDropsAcrossAppends) {
  CappedOutput out(5);
  out.Append("abc", 3);
  out.Append("defg", 4);
  out.Append("hij", 3);
  EXPECT_EQ(out.Text(), "abcde");
  EXPECT_EQ(out.dropped_bytes(), 5u);
}

TEST(HookRunnerOutput, ASequenceCutAtTheLimitIsReplaced) {
  CappedOutput out(2);
  out.Append("a\xE2\x82\xAC", 4);  // "a€" cut inside the euro sign
  EXPECT_EQ(out.Text(), "a?");
  EXPECT_EQ(out.dropped_bytes(), 2u);
}

// --- HTTP hooks -----------------------------------------------------------------------------

constexpr const char* kHookUrl = "http://hooks.test/restart?token=in-query";

TEST(HookRunnerHttp, PostsTheJsonBodyWithTheBearerToken) {
  FakeHttp http;
  http.Answer(kHookUrl, 202, R"({"accepted": true})");
  HttpHookSpec spec{.url = kHookUrl, .json_body = R"({"action": "restart_l0"})"};
  spec.bearer_token = Secret("planted-hook-token");
  spec.ca_file = "/etc/hooks/ca.pem";
  Result<HttpHookResult> r = CallHttpHook(http, spec, Deadline::After(5s));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 202);
  EXPECT_TRUE(r->success());
  EXPECT_EQ(r->body, R"({"accepted": true})");
  EXPECT_EQ(r->body_truncated_bytes, 0u);
  EXPECT_GE(r->duration_seconds, 0);

  ASSERT_EQ(http.requests.size(), 1u);
  const HttpRequest& req = http.requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, kHookUrl);
  EXPECT_EQ(req.body, R"({"action": "restart_l0"})");
  EXPECT_EQ(req.ca_file, "/etc/hooks/ca.pem");
  ASSERT_TRUE(req.bearer_token);
  EXPECT_EQ(req.bearer_token->reveal(), "planted-hook-token");
  EXPECT_THAT(req.headers,
              ElementsAre(std::pair<std::string, std::string>("Content-Type", "application/json")));
  EXPECT_FALSE(req.basic_auth);
}

TEST(HookRunnerHttp, WithoutTokenOrBodyNothingIsAdded) {
  FakeHttp http;
  http.Answer(kHookUrl, 204, "");
  Result<HttpHookResult> r =
      CallHttpHook(http, HttpHookSpec{.method = "DELETE", .url = kHookUrl}, Deadline::After(5s));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->success());
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "DELETE");
  EXPECT_FALSE(http.requests[0].bearer_token);
  EXPECT_THAT(http.requests[0].headers, IsEmpty());
  EXPECT_EQ(http.requests[0].body, "");
}

TEST(HookRunnerHttp, OnlyTwoHundredsAreSuccess) {
  for (long status : {199L, 200L, 299L, 300L, 401L, 500L}) {
    FakeHttp http;
    http.Answer(kHookUrl, status, "x");
    Result<HttpHookResult> r =
        CallHttpHook(http, HttpHookSpec{.url = kHookUrl}, Deadline::After(5s));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, status);
    EXPECT_EQ(r->success(), status >= 200 && status <= 299) << status;
  }
}

TEST(HookRunnerHttp, BodyIsCutAndCleaned) {
  FakeHttp http;
  http.Answer(kHookUrl, 500, std::string("err\x1b[0m") + std::string(10000, 'x'));
  HttpHookSpec spec{.url = kHookUrl};
  spec.max_output = 10;
  Result<HttpHookResult> r = CallHttpHook(http, spec, Deadline::After(5s));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->success());
  EXPECT_EQ(r->body, "err?[0mxxx");
  EXPECT_EQ(r->body_truncated_bytes, 10007u - 10u);
}

TEST(HookRunnerHttp, ClientErrorsComeBackAsTheirStatus) {
  FakeHttp http;
  http.On(kHookUrl, [](const HttpRequest&) {
    return Result<HttpResponse>(Status(Reason::kConnect, "POST /restart: Connection refused"));
  });
  Result<HttpHookResult> r = CallHttpHook(http, HttpHookSpec{.url = kHookUrl}, Deadline::After(5s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kConnect);
  EXPECT_EQ(r.status().message(), "POST /restart: Connection refused");
}

TEST(HookRunnerHttp, TheDeadlineReachesTheClient) {
  std::atomic<bool> cancel{false};
  const Deadline deadline = Deadline::After(1234ms, &cancel);
  struct Recorder final : HttpClient {
    Deadline seen;
    Result<HttpResponse> Do(const HttpRequest&, const Deadline& d) override {
      seen = d;
      return HttpResponse{200, ""};
    }
  } http;
  ASSERT_TRUE(CallHttpHook(http, HttpHookSpec{.url = kHookUrl}, deadline).ok());
  EXPECT_EQ(http.seen.at, deadline.at);
  EXPECT_EQ(http.seen.cancelled, &cancel);
}

TEST(HookRunnerHttp, InvalidSpecsAreRefusedWithoutARequest) {
  HttpHookSpec bad_json{.url = kHookUrl, .json_body = "{not json"};
  bad_json.bearer_token = Secret("planted-hook-token");
  const HttpHookSpec specs[] = {bad_json,
                                HttpHookSpec{.method = "HEAD", .url = kHookUrl},
                                HttpHookSpec{.method = "post", .url = kHookUrl},
                                HttpHookSpec{.method = "POST\r\nX-Evil: 1", .url = kHookUrl},
                                HttpHookSpec{.method = "GET", .url = kHookUrl, .json_body = "{}"},
                                HttpHookSpec{.url = ""}};
  for (const HttpHookSpec& spec : specs) {
    FakeHttp http;
    Result<HttpHookResult> r = CallHttpHook(http, spec, Deadline::After(5s));
    ASSERT_FALSE(r.ok()) << spec.method << " " << spec.json_body;
    EXPECT_EQ(r.status().reason(), Reason::kInternal);
    EXPECT_THAT(r.status().message(), Not(HasSubstr("planted")));
    EXPECT_THAT(r.status().message(), Not(HasSubstr("in-query")));
    EXPECT_THAT(http.requests, IsEmpty());
  }
}

}  // namespace
}  // namespace usdcop
