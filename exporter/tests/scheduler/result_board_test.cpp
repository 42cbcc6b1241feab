// scheduler/result_board.cpp: the latest outcome of every configured probe and its counters.
#include "scheduler/result_board.h"

#include <gtest/gtest.h>

namespace usdcop {
namespace {

using namespace std::chrono_literals;

TEST(ResultBoard, RecordsSwapInFreshRecordsAndCountErrorsByReason) {
  ResultBoard board;
  board.Configure({{"pipeline", 10s}, {"backups", 30s}});
  EXPECT_FALSE(board.AllRan());
  const std::uint64_t before = board.generation();
  board.Record("pipeline", Status(Reason::kConnect, "refused"), 0.5, 100, nullptr);
  EXPECT_GT(board.generation(), before);
  std::shared_ptr<const ProbeRecord> first = board.Get("pipeline");
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->has_run);
  EXPECT_FALSE(first->success);
  EXPECT_EQ(first->timeout, 10s);
  board.Record("pipeline", Status(Reason::kConnect, "refused"), 0.5, 110, nullptr);
  board.Record("pipeline", Status::Ok(), 0.25, 120,
               std::make_shared<const ProbeResult>(PipelineResult{}));
  std::shared_ptr<const ProbeRecord> now = board.Get("pipeline");
  EXPECT_TRUE(now->success);
  EXPECT_EQ(now->last_run_timestamp, 120);
  EXPECT_EQ(now->duration_seconds, 0.25);
  EXPECT_TRUE(now->result);
  EXPECT_EQ(now->errors.at(Reason::kConnect), 2u);
  EXPECT_FALSE(first->success) << "a reader's copy never changes under it";
  EXPECT_EQ(first->last_run_timestamp, 100);
  EXPECT_FALSE(board.AllRan());
  board.Record("backups", Status::Ok(), 1, 121, nullptr);
  EXPECT_TRUE(board.AllRan());
}

TEST(ResultBoard, ASkippedRunIsCountedAndChangesNothingElse) {
  ResultBoard board;
  board.Configure({{"pipeline", 10s}});
  board.CountSkipped("pipeline", Reason::kOverlap);
  std::shared_ptr<const ProbeRecord> r = board.Get("pipeline");
  EXPECT_EQ(r->errors.at(Reason::kOverlap), 1u);
  EXPECT_FALSE(r->has_run);
  EXPECT_FALSE(board.AllRan());
}

TEST(ResultBoard, ReconfiguringDropsAbsentProbesKeepsTheOthersAndIgnoresTheirLateRuns) {
  ResultBoard board;
  board.Configure({{"pipeline", 10s}, {"backups", 30s}});
  board.Record("pipeline", Status(Reason::kTimeout, "slow"), 10, 100, nullptr);
  board.Record("backups", Status::Ok(), 1, 100, nullptr);
  board.Configure({{"pipeline", 20s}, {"websocket", 5s}});
  EXPECT_FALSE(board.Get("backups"));
  ASSERT_TRUE(board.Get("pipeline"));
  EXPECT_EQ(board.Get("pipeline")->errors.at(Reason::kTimeout), 1u) << "counters survive a reload";
  EXPECT_EQ(board.Get("pipeline")->timeout, 20s);
  ASSERT_TRUE(board.Get("websocket"));
  EXPECT_FALSE(board.Get("websocket")->has_run);
  const std::uint64_t generation = board.generation();
  board.Record("backups", Status::Ok(), 1, 130, nullptr);  // a run that ended after its removal
  EXPECT_FALSE(board.Get("backups"));
  EXPECT_EQ(board.generation(), generation);
  std::vector<std::string> names;
  for (const auto& r : board.Snapshot()) names.push_back(r->name);
  EXPECT_EQ(names, (std::vector<std::string>{"pipeline", "websocket"}));
}

TEST(ResultBoard, WaitForRunsSinceAnswersAtOnceWhenTheRunsAreThereAndFalseAtItsDeadline) {
  ResultBoard board;
  board.Configure({{"pipeline", 10s}, {"backups", 30s}});
  board.Record("pipeline", Status::Ok(), 2, 102, nullptr);  // started at 100
  EXPECT_TRUE(board.WaitForRunsSince({"pipeline"}, 100, Deadline::After(5s)));
  EXPECT_FALSE(board.WaitForRunsSince({"pipeline"}, 101, Deadline::After(0ms)))
      << "it started before";
  EXPECT_FALSE(board.WaitForRunsSince({"pipeline", "backups"}, 100, Deadline::After(0ms)));
}

}  // namespace
}  // namespace usdcop
