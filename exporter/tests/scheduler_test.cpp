#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace usdcop {
namespace {

using namespace std::chrono_literals;

// Polls `done` every 5 ms for at most 10 s.
bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

class FnProbe final : public Probe {
 public:
  explicit FnProbe(std::function<ProbeOutcome(const ProbeContext&)> fn) : fn_(std::move(fn)) {}
  ProbeOutcome Run(const ProbeContext& ctx) override { return fn_(ctx); }

 private:
  std::function<ProbeOutcome(const ProbeContext&)> fn_;
};

// A probe that blocks until released or cancelled, ignoring its deadline.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> entered{0};
  ProbeOutcome Wait(const ProbeContext& ctx) {
    entered++;
    std::unique_lock lock(mu);
    // Polls the cancel flag as libcurl's progress callback does.
    while (!cv.wait_for(lock, std::chrono::milliseconds(5), [&] { return open || ctx.deadline.Cancelled(); })) {
    }
    return {};
  }
  void Open() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

std::uint64_t Errors(const ResultBoard& board, const std::string& name, Reason reason) {
  auto r = board.Get(name);
  if (!r) return 0;
  auto it = r->errors.find(reason);
  return it == r->errors.end() ? 0 : it->second;
}

class SchedulerTest : public ::testing::Test {
 protected:
  SystemClock clock_;
  Logger log_{LogLevel::kError};
  ResultBoard board_;
};

TEST_F(SchedulerTest, RunsEachProbeRepeatedlyAndRecordsSuccess) {
  std::atomic<int> runs{0};
  Scheduler scheduler(board_, clock_, log_, 2);
  scheduler.SetProbes({{"a", 20ms, 10ms, std::make_shared<FnProbe>([&](const ProbeContext&) {
                          runs++;
                          return ProbeOutcome{};
                        })}});
  ASSERT_TRUE(WaitFor([&] { return runs >= 3; }));
  auto r = board_.Get("a");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->has_run);
  EXPECT_TRUE(r->success);
  EXPECT_TRUE(board_.AllRan());
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, AHungProbeTimesOutIsSkippedWhileBusyAndNeverDelaysAnother) {
  Gate gate;
  std::atomic<int> other_runs{0};
  Scheduler scheduler(board_, clock_, log_, 2);
  scheduler.SetProbes({
      {"hung", 40ms, 20ms, std::make_shared<FnProbe>([&](const ProbeContext& ctx) { return gate.Wait(ctx); })},
      {"other", 10ms, 5ms, std::make_shared<FnProbe>([&](const ProbeContext&) {
         other_runs++;
         return ProbeOutcome{};
       })},
  });
  // The hung run is recorded as a timeout without returning...
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "hung", Reason::kTimeout) == 1; }));
  EXPECT_FALSE(board_.Get("hung")->success);
  // ...its next turns are skipped and counted, not started twice...
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "hung", Reason::kOverlap) >= 2; }));
  EXPECT_EQ(gate.entered, 1);
  // ...and the other probe kept running all along.
  int before = other_runs;
  ASSERT_TRUE(WaitFor([&] { return other_runs >= before + 3; }));
  gate.Open();
  ASSERT_TRUE(WaitFor([&] { return gate.entered >= 2; }));  // runs again once free
  EXPECT_EQ(Errors(board_, "hung", Reason::kTimeout) >= 1, true);
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, AnExceptionIsAnInternalErrorAndTheProbeRunsOn) {
  std::atomic<int> runs{0};
  Scheduler scheduler(board_, clock_, log_, 1);
  scheduler.SetProbes({{"boom", 10ms, 5ms, std::make_shared<FnProbe>([&](const ProbeContext&) -> ProbeOutcome {
                          runs++;
                          throw std::runtime_error("bug");
                        })}});
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "boom", Reason::kInternal) >= 2; }));
  EXPECT_EQ(board_.Get("boom")->status.message(), "exception: bug");
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, StopCancelsRunsInFlight) {
  Gate gate;
  Scheduler scheduler(board_, clock_, log_, 1);
  scheduler.SetProbes({{"slow", 10s, 5s, std::make_shared<FnProbe>([&](const ProbeContext& ctx) { return gate.Wait(ctx); })}});
  ASSERT_TRUE(WaitFor([&] { return gate.entered == 1; }));
  EXPECT_TRUE(scheduler.Stop(2s));  // the probe sees the cancel flag and returns
}

TEST_F(SchedulerTest, ReconfiguringKeepsCountersAndDropsRemovedProbes) {
  Scheduler scheduler(board_, clock_, log_, 2);
  auto failing = std::make_shared<FnProbe>([](const ProbeContext&) { return ProbeOutcome{Status(Reason::kParse, "x"), {}}; });
  scheduler.SetProbes({{"a", 10ms, 5ms, failing}, {"b", 10ms, 5ms, failing}});
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "a", Reason::kParse) >= 2; }));
  std::uint64_t before = Errors(board_, "a", Reason::kParse);
  scheduler.SetProbes({{"a", 10ms, 5ms, failing}});
  EXPECT_GE(Errors(board_, "a", Reason::kParse), before);
  EXPECT_EQ(board_.Get("b"), nullptr);
  EXPECT_TRUE(scheduler.Stop(1s));
}

}  // namespace
}  // namespace usdcop
