#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "support/fake_clock.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;

// Polls `done` every millisecond for at most 10 s: waits for other threads to act, never for
// time to pass (time is the fake clock's, moved by the tests).
bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 10000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
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
    while (!cv.wait_for(lock, std::chrono::milliseconds(5),
                        [&] { return open || ctx.deadline.Cancelled(); })) {
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

std::shared_ptr<Probe> Counting(std::atomic<int>& runs) {
  return std::make_shared<FnProbe>([&runs](const ProbeContext&) {
    runs++;
    return ProbeOutcome{};
  });
}

class SchedulerTest : public ::testing::Test {
 protected:
  // A probe the tests run with RunNow: in a scheduler with one worker free, its run is queued
  // behind the runs started before, so that once it has run they have ended (FinishRun
  // included) and cannot be in flight when the clock moves on. Never due within a test.
  ProbeSpec Marker() { return {"marker", std::chrono::hours(1), 10s, Counting(marker_runs_)}; }
  void Drain(Scheduler& scheduler) {
    const int before = marker_runs_;
    scheduler.RunNow({"marker"});
    ASSERT_TRUE(WaitFor([&] { return marker_runs_ > before; }));
  }
  // Returns once the scheduler's thread has looked at the clock since it last moved and sleeps
  // on it: whatever was due has been started.
  void Settle() {
    ASSERT_TRUE(WaitFor([&] { return clock_.parked() >= 1; }));
  }
  // Moves the clock and waits for the scheduler to catch up.
  void Advance(Duration d) {
    clock_.Advance(d);
    Settle();
  }

  FakeClock clock_{*ParseTimestamp("2026-11-25T12:00:00Z")};
  Logger log_{LogLevel::kError};
  ResultBoard board_;
  std::atomic<int> marker_runs_{0};
};

TEST_F(SchedulerTest, RunsEachProbeAtOnceThenOnItsIntervalAndRecordsSuccess) {
  std::atomic<int> runs{0};
  Scheduler scheduler(board_, clock_, log_, 1);
  scheduler.SetProbes({{"a", 20s, 10s, Counting(runs)}, Marker()});
  ASSERT_TRUE(WaitFor([&] { return board_.AllRan(); }));
  Drain(scheduler);
  EXPECT_EQ(runs, 1);
  Settle();
  Advance(19s);
  EXPECT_EQ(runs, 1) << "not before its interval";
  clock_.Advance(1s);
  ASSERT_TRUE(WaitFor([&] { return runs == 2; }));
  Drain(scheduler);
  clock_.Advance(20s);
  ASSERT_TRUE(WaitFor([&] { return runs == 3; }));
  auto r = board_.Get("a");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->has_run);
  EXPECT_TRUE(r->success);
  EXPECT_EQ(r->errors, (std::map<Reason, std::uint64_t>{}));
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, AfterAStallItResumesFromNowInsteadOfCatchingUp) {
  std::atomic<int> runs{0};
  Scheduler scheduler(board_, clock_, log_, 1);
  scheduler.SetProbes({{"a", 10s, 5s, Counting(runs)}, Marker()});
  ASSERT_TRUE(WaitFor([&] { return runs == 1; }));
  Drain(scheduler);
  Settle();
  clock_.Advance(95s);  // nine and a half turns late
  ASSERT_TRUE(WaitFor([&] { return runs == 2; }));
  Drain(scheduler);
  Advance(9s);
  EXPECT_EQ(runs, 2) << "the next turn is an interval after the late run";
  clock_.Advance(1s);
  ASSERT_TRUE(WaitFor([&] { return runs == 3; }));
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, RecordsTheRunsDurationInMonotonicTime) {
  Scheduler scheduler(board_, clock_, log_, 1);
  clock_.Set(clock_.Now() - 1h);  // a wall-clock step changes nothing
  scheduler.SetProbes({{"a", 60s, 10s, std::make_shared<FnProbe>([&](const ProbeContext& ctx) {
                          clock_.Advance(3s);
                          EXPECT_EQ(ctx.deadline.Remaining(), 7s);
                          return ProbeOutcome{};
                        })}});
  ASSERT_TRUE(WaitFor([&] { return board_.AllRan(); }));
  EXPECT_DOUBLE_EQ(board_.Get("a")->duration_seconds, 3.0);
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, AHungProbeTimesOutIsSkippedWhileBusyAndNeverDelaysAnother) {
  Gate gate;
  std::atomic<int> other_runs{0};
  Scheduler scheduler(board_, clock_, log_, 2);  // the hung run holds one worker
  scheduler.SetProbes({
      {"hung", 40s, 20s,
       std::make_shared<FnProbe>([&](const ProbeContext& ctx) { return gate.Wait(ctx); })},
      {"other", 10s, 5s, Counting(other_runs)},
      Marker(),
  });
  ASSERT_TRUE(WaitFor([&] { return gate.entered == 1 && other_runs == 1; }));
  Drain(scheduler);
  Settle();
  Advance(20s);  // the hung run's deadline, not yet its grace
  EXPECT_EQ(Errors(board_, "hung", Reason::kTimeout), 0u);
  ASSERT_TRUE(WaitFor([&] { return other_runs == 2; }));
  Drain(scheduler);
  // The hung run is recorded as a timeout once its grace is over, without returning...
  clock_.Advance(Scheduler::kDeadlineGrace);
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "hung", Reason::kTimeout) == 1; }));
  EXPECT_FALSE(board_.Get("hung")->success);
  EXPECT_EQ(board_.Get("hung")->status.reason(), Reason::kTimeout);
  EXPECT_DOUBLE_EQ(board_.Get("hung")->duration_seconds, 20.25);
  // ...its next turns are skipped and counted, not started twice, while the other probe runs on
  // every turn.
  clock_.Advance(20s);
  ASSERT_TRUE(
      WaitFor([&] { return Errors(board_, "hung", Reason::kOverlap) == 1 && other_runs == 3; }));
  Drain(scheduler);
  clock_.Advance(40s);
  ASSERT_TRUE(
      WaitFor([&] { return Errors(board_, "hung", Reason::kOverlap) == 2 && other_runs == 4; }));
  Drain(scheduler);
  EXPECT_EQ(gate.entered, 1);
  EXPECT_EQ(Errors(board_, "other", Reason::kOverlap), 0u);
  gate.Open();
  scheduler.RunNow({"hung"});                               // right after the old run ends
  ASSERT_TRUE(WaitFor([&] { return gate.entered == 2; }));  // runs again once free
  EXPECT_EQ(Errors(board_, "hung", Reason::kTimeout), 1u);
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, AHungRunRecordedAsATimeoutKeepsTheLastResult) {
  Gate gate;
  std::atomic<int> runs{0};
  Scheduler scheduler(board_, clock_, log_, 2);
  scheduler.SetProbes({
      {"websocket", 40s, 20s, std::make_shared<FnProbe>([&](const ProbeContext& ctx) {
         if (runs++ > 0) return gate.Wait(ctx);  // the second run hangs past its deadline
         WebSocketResult w;
         w.up = true;
         w.connected_clients = 3;
         return ProbeOutcome{Status::Ok(), w};
       })},
      Marker(),
  });
  ASSERT_TRUE(WaitFor([&] { return runs == 1 && board_.Get("websocket")->has_run; }));
  const std::shared_ptr<const ProbeResult> first = board_.Get("websocket")->result;
  ASSERT_NE(first, nullptr);
  Drain(scheduler);
  Settle();
  Advance(40s);  // the second run starts and hangs
  ASSERT_TRUE(WaitFor([&] { return gate.entered == 1; }));
  Drain(scheduler);
  clock_.Advance(20s + Scheduler::kDeadlineGrace);
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "websocket", Reason::kTimeout) == 1; }));
  const auto record = board_.Get("websocket");
  EXPECT_FALSE(record->success);
  EXPECT_EQ(record->status.reason(), Reason::kTimeout);
  EXPECT_EQ(record->result, first) << "the last result's series stay";
  gate.Open();
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, AnExceptionIsAnInternalErrorAndTheProbeRunsOn) {
  Scheduler scheduler(board_, clock_, log_, 1);
  scheduler.SetProbes(
      {{"boom", 10s, 5s, std::make_shared<FnProbe>([&](const ProbeContext&) -> ProbeOutcome {
          throw std::runtime_error("bug");
        })},
       Marker()});
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "boom", Reason::kInternal) == 1; }));
  Drain(scheduler);
  clock_.Advance(10s);
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "boom", Reason::kInternal) == 2; }));
  EXPECT_EQ(board_.Get("boom")->status.message(), "exception: bug");
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, RunNowRunsAtOnceOrRightAfterTheRunInFlight) {
  std::atomic<int> runs{0};
  Gate gate;
  Scheduler scheduler(board_, clock_, log_, 2);
  scheduler.SetProbes({{"a", 60s, 10s, Counting(runs)},
                       {"b", 60s, 10s, std::make_shared<FnProbe>([&](const ProbeContext& ctx) {
                          return gate.Wait(ctx);
                        })}});
  ASSERT_TRUE(WaitFor([&] { return runs == 1 && gate.entered == 1; }));
  EXPECT_EQ(scheduler.RunNow({"a", "b", "unknown"}), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(WaitFor([&] { return runs == 2; }));  // without the clock moving
  EXPECT_EQ(gate.entered, 1);
  gate.Open();
  ASSERT_TRUE(WaitFor([&] { return gate.entered == 2; }));
  EXPECT_TRUE(scheduler.Stop(1s));
}

TEST_F(SchedulerTest, StopCancelsRunsInFlight) {
  Gate gate;
  Scheduler scheduler(board_, clock_, log_, 1);
  scheduler.SetProbes({{"slow", 10s, 5s, std::make_shared<FnProbe>([&](const ProbeContext& ctx) {
                          return gate.Wait(ctx);
                        })}});
  ASSERT_TRUE(WaitFor([&] { return gate.entered == 1; }));
  EXPECT_TRUE(scheduler.Stop(2s));  // the probe sees the cancel flag and returns
}

TEST_F(SchedulerTest, ReconfiguringKeepsCountersAndDropsRemovedProbes) {
  Scheduler scheduler(board_, clock_, log_, 1);
  auto failing = std::make_shared<FnProbe>([](const ProbeContext&) {
    return ProbeOutcome{Status(Reason::kParse, "x"), {}};
  });
  scheduler.SetProbes({{"a", 10s, 5s, failing}, {"b", 10s, 5s, failing}, Marker()});
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "a", Reason::kParse) == 1; }));
  Drain(scheduler);
  clock_.Advance(10s);
  ASSERT_TRUE(WaitFor([&] { return Errors(board_, "a", Reason::kParse) == 2; }));
  scheduler.SetProbes({{"a", 10s, 5s, failing}, Marker()});  // runs "a" again at once
  EXPECT_GE(Errors(board_, "a", Reason::kParse), 2u);
  EXPECT_EQ(board_.Get("b"), nullptr);
  EXPECT_TRUE(scheduler.Stop(1s));
}

}  // namespace
}  // namespace usdcop
