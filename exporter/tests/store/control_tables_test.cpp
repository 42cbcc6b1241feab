// store/control_tables.cpp: the control API's tables in the state store: the audit log (its
// writer thread, batching, pruning) and the idempotency keys.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "store/state_store.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

TEST(AuditLog, ConcurrentAuditRowsAreAllCommittedWithTheirOwnIds) {
  TempDir dir;
  auto store = StateStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  constexpr int kThreads = 8, kEach = 250;
  std::vector<std::vector<std::int64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        AuditRow row;
        row.time = SysTime(std::chrono::seconds(1764000000 + i));
        row.caller = "t" + std::to_string(t);
        row.result = std::to_string(i);
        auto id = (*store)->AppendAudit(row);
        ASSERT_TRUE(id.ok()) << id.status().message();
        ids[t].push_back(*id);
      }
    });
  for (auto& th : threads) th.join();
  std::set<std::int64_t> distinct;
  for (const auto& v : ids) distinct.insert(v.begin(), v.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads * kEach));
  auto rows = (*store)->RecentAudit(kThreads * kEach + 1);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), static_cast<size_t>(kThreads * kEach));
  for (const AuditRow& r : *rows) {  // each id is its own row
    const int t = std::stoi(r.caller.substr(1));
    EXPECT_EQ(ids[t][std::stoi(r.result)], r.id);
  }
  ASSERT_TRUE((*store)->SetAuditCount(rows->front().id, 7).ok());
  EXPECT_EQ((*store)->RecentAudit(1)->front().count, 7);
}

TEST(AuditLog, QueuedAuditRowsAreAnsweredInOrderOnceCommittedAndBeforeTheStoreCloses) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  std::vector<std::int64_t> ids;  // in the order the writer answered
  std::mutex mu;
  {
    auto store = StateStore::Open(path);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 500; ++i) {
      AuditRow row;
      row.result = std::to_string(i);
      (*store)->AppendAuditAsync(row,
                                 [&ids, &mu, i](const AuditRow& written, Result<std::int64_t> id) {
                                   ASSERT_TRUE(id.ok());
                                   EXPECT_EQ(written.result, std::to_string(i));
                                   std::lock_guard lock(mu);
                                   ids.push_back(*id);
                                 });
    }
  }  // closed at once: the rows still queued are written and answered first
  ASSERT_EQ(ids.size(), 500u);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_EQ(ids[i], ids[i - 1] + 1);
  auto store = StateStore::Open(path);
  ASSERT_TRUE(store.ok());
  auto rows = (*store)->RecentAudit(1000);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 500u);
  EXPECT_EQ(rows->front().id, ids.back());
  EXPECT_EQ(rows->front().result, "499");
}

TEST(AuditLog, PruningDeletesTheOldRowsInStepsUntilAStepHasNone) {
  TempDir dir;
  auto store = StateStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  const SysTime now = *ParseTimestamp("2026-11-25T12:00:00Z");
  const SysTime old = now - std::chrono::hours(2);
  AuditRow row;
  row.time = now + std::chrono::hours(24);  // stamped in the future, then the clock was put right
  ASSERT_TRUE((*store)->AppendAudit(row).ok());
  row.time = old;
  for (int i = 0; i < 2500; ++i)
    ASSERT_TRUE((*store)->AppendAudit(row).ok());  // more than one step
  row.time = now;
  for (int i = 0; i < 2000; ++i)
    ASSERT_TRUE((*store)->AppendAudit(row).ok());  // a whole step of new rows
  row.time = old;                                  // behind them: left for a later prune
  ASSERT_TRUE((*store)->AppendAudit(row).ok());
  auto pruned = (*store)->PruneAudit(now - std::chrono::hours(1));
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(*pruned, 2500);
  auto rows = (*store)->RecentAudit(5000);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2002u);
  EXPECT_EQ(rows->front().time, old);
  EXPECT_EQ(rows->back().time, now + std::chrono::hours(24));
  EXPECT_EQ(*(*store)->PruneAudit(now - std::chrono::hours(1)), 0);
  EXPECT_EQ(*(*store)->PruneAudit(now + std::chrono::hours(1)), 2001);
  EXPECT_EQ((*store)->RecentAudit(10)->size(), 1u);
}

TEST(AuditLog, EveryFieldOfARowRoundTrips) {
  TempDir dir;
  auto store = StateStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  AuditRow row;
  row.time = *ParseTimestamp("2026-11-25T12:00:00.123456Z");
  row.caller = "ops";
  row.address = "127.0.0.1";
  row.method = "POST";
  row.endpoint = "/api/l0/actions";
  row.action = "force-sync";
  row.params = R"({"layer":"L0"})";
  row.code = 202;
  row.result = "triggered";
  row.count = 3;
  auto id = (*store)->AppendAudit(row);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto rows = (*store)->RecentAudit(10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const AuditRow& r = rows->front();
  EXPECT_EQ(r.id, *id);
  EXPECT_EQ(r.time, row.time);
  EXPECT_EQ(r.caller, "ops");
  EXPECT_EQ(r.address, "127.0.0.1");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.endpoint, "/api/l0/actions");
  EXPECT_EQ(r.action, "force-sync");
  EXPECT_EQ(r.params, row.params);
  EXPECT_EQ(r.code, 202);
  EXPECT_EQ(r.result, "triggered");
  EXPECT_EQ(r.count, 3);
}

TEST(IdempotencyKeys, KeptPerCallerReplacedByAReuseAndPrunedByAge) {
  TempDir dir;
  auto store = StateStore::Open(dir.File("s.db"));
  ASSERT_TRUE(store.ok());
  const SysTime now = *ParseTimestamp("2026-11-25T12:00:00Z");
  EXPECT_FALSE((*store)->GetIdempotency("ops", "k1")->has_value());
  ASSERT_TRUE((*store)->PutIdempotency({"ops", "k1", "hash-a", 202, R"({"ok":true})", now}).ok());
  ASSERT_TRUE((*store)
                  ->PutIdempotency({"ops", "k2", "hash-b", 409, "{}", now - std::chrono::hours(25)})
                  .ok());
  auto got = (*store)->GetIdempotency("ops", "k1");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->request_hash, "hash-a");
  EXPECT_EQ((*got)->code, 202);
  EXPECT_EQ((*got)->body, R"({"ok":true})");
  EXPECT_EQ((*got)->created, now);
  EXPECT_FALSE((*store)->GetIdempotency("viewer", "k1")->has_value()) << "a key is its caller's";
  ASSERT_TRUE((*store)->PutIdempotency({"ops", "k1", "hash-c", 200, "{}", now}).ok());
  EXPECT_EQ((*(*store)->GetIdempotency("ops", "k1"))->request_hash, "hash-c");
  ASSERT_TRUE((*store)->PruneIdempotency(now - std::chrono::hours(24)).ok());
  EXPECT_FALSE((*store)->GetIdempotency("ops", "k2")->has_value());
  EXPECT_TRUE((*store)->GetIdempotency("ops", "k1")->has_value());
}

}  // namespace
}  // namespace usdcop
