#include "probes/market_data/market_data_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "sources/sqlite_bar_source.h"
#include "support/fake_clock.h"
#include "support/market_table.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

SysTime T(const char* iso) { return *ParseTimestamp(iso); }

class MarketDataProbeTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(StateStore::Open(dir_.File("state.db"))).value(); }
  std::unique_ptr<MarketDataProbe> NewProbe(Duration full_reread = 1h) {
    MarketDataProbeConfig c;
    c.sqlite_path = dir_.File("market.db");
    c.full_reread = full_reread;
    return std::make_unique<MarketDataProbe>(
        c, calendar_, std::make_unique<SqliteBarSource>(c.sqlite_path, c.table), *store_);
  }
  ProbeOutcome Run(MarketDataProbe& p, Duration deadline = 10s) {
    return p.Run(ProbeContext{Deadline::After(deadline), clock_, log_});
  }
  static const WindowStats& W(const ProbeOutcome& o, size_t i) {
    return std::get<MarketDataResult>(o.result).symbols.at(0).windows.at(i);
  }
  static std::int64_t Flawed(const WindowStats& w, BarFlaw f) {
    auto it = w.flaws.find(f);
    return it == w.flaws.end() ? 0 : it->second;
  }
  static const SymbolResult& Sym(const ProbeOutcome& o) {
    return std::get<MarketDataResult>(o.result).symbols.at(0);
  }

  TempDir dir_;
  std::shared_ptr<const TradingCalendar> calendar_ = *TradingCalendar::Create(CalendarConfig{});
  std::unique_ptr<StateStore> store_;
  FakeClock clock_{T("2026-11-24T15:00:30Z")};  // Tuesday 10:00:30 in Bogota
  Logger log_{LogLevel::kError};
};

TEST_F(MarketDataProbeTest, WindowsAcrossHolidaysAndWeekendsGiveExactCounts) {
  MarketTable table(dir_.File("market.db"));
  // 31 days of bars up to 14:55Z today, with bar 5 of today (13:25Z) missing.
  table.Bars(*calendar_, T("2026-10-24T00:00:00Z"), T("2026-11-24T13:00:00Z"));
  table.Bars(*calendar_, T("2026-11-24T13:00:00Z"), T("2026-11-24T15:00:00Z"), {5});
  auto probe = NewProbe();
  ProbeOutcome out = Run(*probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  const WindowStats& session = W(out, 0);
  EXPECT_EQ(session.window, "session");
  EXPECT_EQ(session.expected, 24);  // 13:00Z..14:55Z are due at 15:00:30Z
  EXPECT_EQ(session.missing, 1);
  EXPECT_EQ(session.gaps, 1);
  const WindowStats& d30 = W(out, 2);
  // 2026-10-25T15:00:30Z .. now: Oct 26-30 (5), Nov 3-6 (4; Nov 2 holiday), 9-13 (5), 17-20 (4;
  // Nov 16 holiday), 23 (1) = 19 full days, plus today's 24 due bars.
  EXPECT_EQ(d30.expected, 19 * 60 + 24);
  EXPECT_EQ(d30.missing, 1);
  EXPECT_EQ(Sym(out).staleness, 0.0);
  EXPECT_EQ(Sym(out).ingested_total, 0);  // the first read is the baseline
}

TEST_F(MarketDataProbeTest, NewRowsAreCountedOnceWithTheirLatencyAcrossRestarts) {
  MarketTable table(dir_.File("market.db"));
  table.Bars(*calendar_, T("2026-11-20T00:00:00Z"), T("2026-11-24T15:00:00Z"));
  auto probe = NewProbe();
  ASSERT_TRUE(Run(*probe).status.ok());
  // Two new bars; one arrives 40 s late.
  table.Bar(T("2026-11-24T15:00:00Z"), 4000, 2s);
  table.Bar(T("2026-11-24T15:05:00Z"), 4000, 40s);
  clock_.Set(T("2026-11-24T15:11:00Z"));
  ProbeOutcome out = Run(*probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(Sym(out).ingested_total, 2);
  EXPECT_EQ(Sym(out).ingest_latency.count, 2u);
  EXPECT_DOUBLE_EQ(Sym(out).ingest_latency.sum, 42);
  EXPECT_EQ(Sym(out).ingest_latency.counts[2], 1u);  // <= 5 s
  EXPECT_EQ(Run(*probe).status.ok(), true);
  EXPECT_EQ(Sym(Run(*probe)).ingested_total, 2);  // re-read in the lookback, not recounted

  auto restarted = NewProbe();  // a new process: cold read, watermark from the store
  out = Run(*restarted);
  EXPECT_EQ(Sym(out).ingested_total, 2);
  EXPECT_EQ(W(out, 0).missing, 0);
  table.Bar(T("2026-11-24T15:10:00Z"));
  clock_.Set(T("2026-11-24T15:16:00Z"));
  EXPECT_EQ(Sym(Run(*restarted)).ingested_total, 3);
}

TEST_F(MarketDataProbeTest, AFailedReadKeepsTheCountersInsteadOfResettingThem) {
  MarketTable table(dir_.File("market.db"));
  table.Bars(*calendar_, T("2026-11-20T00:00:00Z"), T("2026-11-24T15:00:00Z"));
  auto probe = NewProbe();
  ASSERT_TRUE(Run(*probe).status.ok());
  table.Bar(T("2026-11-24T15:00:00Z"), 4000, 40s);
  clock_.Set(T("2026-11-24T15:06:00Z"));
  ASSERT_EQ(Sym(Run(*probe)).ingested_total, 1);
  table.Exec("ALTER TABLE usdcop_m5_ohlcv RENAME TO moved;");
  ProbeOutcome out = Run(*probe);
  ASSERT_EQ(out.status.reason(), Reason::kQuery);
  // Rendered as they stand: a 0 here would read as a counter reset to rate() and increase().
  EXPECT_TRUE(Sym(out).counters_known);
  EXPECT_EQ(Sym(out).ingested_total, 1);
  EXPECT_EQ(Sym(out).ingest_latency.count, 1u);
  EXPECT_TRUE(Sym(out).windows.empty());
}

TEST_F(MarketDataProbeTest, ALateBackfilledBarFillsItsGap) {
  MarketTable table(dir_.File("market.db"));
  table.Bars(*calendar_, T("2026-11-24T13:00:00Z"), T("2026-11-24T15:00:00Z"), {3});
  auto probe = NewProbe();
  EXPECT_EQ(W(Run(*probe), 0).missing, 1);
  table.Bar(T("2026-11-24T13:15:00Z"), 4000, 100min);  // written now, 100 minutes late
  ProbeOutcome out = Run(*probe);
  EXPECT_EQ(W(out, 0).missing, 0);
  EXPECT_EQ(Sym(out).ingested_total, 1);
}

TEST_F(MarketDataProbeTest, RowsDeletedOrEditedInPlaceShowAtTheNextFullReread) {
  MarketTable table(dir_.File("market.db"));
  table.Bars(*calendar_, T("2026-11-24T13:00:00Z"), T("2026-11-24T15:00:00Z"));
  auto probe = NewProbe(1h);
  auto never = NewProbe(0s);
  ASSERT_EQ(W(Run(*probe), 0).missing, 0);
  ASSERT_EQ(W(Run(*never), 0).missing, 0);
  // A bar deleted and one edited in place: their ingestion marks do not move, so no
  // incremental read returns them.
  table.Exec("DELETE FROM usdcop_m5_ohlcv WHERE time = '2026-11-24T13:15:00Z'");
  table.Exec("UPDATE usdcop_m5_ohlcv SET close = -1, low = -2 WHERE time = '2026-11-24T13:30:00Z'");
  table.Bars(*calendar_, T("2026-11-24T15:00:00Z"), T("2026-11-24T16:05:00Z"));

  clock_.Set(T("2026-11-24T15:59:30Z"));  // 59 minutes after the first read
  ProbeOutcome out = Run(*probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(W(out, 0).missing, 0);
  EXPECT_EQ(Flawed(W(out, 0), BarFlaw::kNonPositive), 0);
  const double ingested = Sym(out).ingested_total;
  EXPECT_EQ(ingested, 13);

  clock_.Set(T("2026-11-24T16:00:30Z"));  // an hour: the window is read whole again
  out = Run(*probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(W(out, 0).missing, 1);
  EXPECT_EQ(W(out, 0).gaps, 1);
  EXPECT_EQ(Flawed(W(out, 0), BarFlaw::kNonPositive), 1);
  EXPECT_EQ(W(out, 0).observed, W(out, 0).expected - 1);
  EXPECT_EQ(Sym(out).ingested_total, ingested);  // a re-read counts no row as ingested again
  EXPECT_EQ(Sym(out).ingest_latency.count, 13u);

  out = Run(*never);  // full_reread 0s: never read whole again
  EXPECT_EQ(W(out, 0).missing, 0);
  EXPECT_EQ(Flawed(W(out, 0), BarFlaw::kNonPositive), 0);
}

TEST_F(MarketDataProbeTest, RowsThatAppearAfterAnEmptyFirstReadAreKept) {
  MarketTable table(dir_.File("market.db"));
  auto probe = NewProbe();
  ProbeOutcome out = Run(*probe);  // an empty table: nothing to set the watermark
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(W(out, 0).observed, 0);
  table.Bars(*calendar_, T("2026-11-24T13:00:00Z"),
             T("2026-11-24T15:00:00Z"));  // a backfill arrives
  out = Run(*probe);
  EXPECT_EQ(W(out, 0).observed, 24);
  EXPECT_EQ(W(out, 0).missing, 0);
  EXPECT_EQ(Sym(out).ingested_total, 0);  // still the baseline
  table.Bar(T("2026-11-24T15:00:00Z"));
  clock_.Set(T("2026-11-24T15:06:00Z"));
  out = Run(*probe);
  EXPECT_EQ(W(out, 0).observed, 25);
  EXPECT_EQ(Sym(out).ingested_total, 1);
}

TEST_F(MarketDataProbeTest, AMissingDatabaseTableOrColumnIsAClearError) {
  auto probe = NewProbe();
  ProbeOutcome out = Run(*probe);
  EXPECT_EQ(out.status.reason(), Reason::kConnect);
  EXPECT_THAT(out.status.message(), HasSubstr("market.db: cannot open"));
  {
    MarketTable table(dir_.File("market.db"));
    table.Exec("DROP TABLE usdcop_m5_ohlcv; CREATE TABLE other (x);");
  }
  out = Run(*probe);
  EXPECT_EQ(out.status.reason(), Reason::kQuery);
  EXPECT_THAT(out.status.message(),
              HasSubstr("no such table: usdcop_m5_ohlcv (check probes.market_data.table)"));
}

TEST_F(MarketDataProbeTest, AFileRemovedOrReplacedUnderTheConnectionIsSeenAtTheNextRun) {
  {
    MarketTable table(dir_.File("market.db"));
    table.Bars(*calendar_, T("2026-11-20T00:00:00Z"), T("2026-11-24T15:00:00Z"));
  }
  auto probe = NewProbe();
  ASSERT_TRUE(Run(*probe).status.ok());
  const std::string db = dir_.File("market.db"), moved = dir_.File("moved.db");
  // Moved away: the connection kept open would still read it.
  ASSERT_EQ(::rename(db.c_str(), moved.c_str()), 0);
  ProbeOutcome out = Run(*probe);
  EXPECT_EQ(out.status.reason(), Reason::kConnect);
  EXPECT_THAT(out.status.message(), HasSubstr("market.db: cannot open: No such file or directory"));
  // A FIFO in its place is refused without being opened (opening one blocks until a writer).
  ASSERT_EQ(::mkfifo(db.c_str(), 0644), 0);
  out = Run(*probe);
  EXPECT_EQ(out.status.reason(), Reason::kConnect);
  EXPECT_THAT(out.status.message(), HasSubstr("market.db: cannot open: not a regular file"));
  ASSERT_EQ(::unlink(db.c_str()), 0);
  // Back in place, it is read again.
  ASSERT_EQ(::rename(moved.c_str(), db.c_str()), 0);
  ASSERT_TRUE(Run(*probe).status.ok());
  // Replaced by a file that is not a database while the connection is open: that file is read.
  {
    std::ofstream garbage(dir_.File("garbage.db"));
    garbage << std::string(8192, 'Z');
  }
  ASSERT_EQ(::rename(dir_.File("garbage.db").c_str(), db.c_str()), 0);
  out = Run(*probe);
  EXPECT_EQ(out.status.reason(), Reason::kQuery);
  EXPECT_THAT(out.status.message(), HasSubstr("file is not a database"));
}

// A rollback-journal file whose writer holds its lock: the run waits for it until its own
// deadline, not the first run's (the connection outlives the run), and says the file was locked.
TEST_F(MarketDataProbeTest, AFileLockedByAWriterPastTheDeadlineIsATimeout) {
  {
    MarketTable table(dir_.File("market.db"));
    table.Bars(*calendar_, T("2026-11-20T00:00:00Z"), T("2026-11-24T15:00:00Z"));
    table.Exec("PRAGMA journal_mode=DELETE;");
  }
  auto probe = NewProbe();
  ASSERT_TRUE(Run(*probe).status.ok());  // the connection is open, set up under a 10 s deadline
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("market.db").c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  ProbeOutcome out = Run(*probe, 200ms);
  EXPECT_EQ(out.status.reason(), Reason::kTimeout) << out.status.message();
  EXPECT_THAT(out.status.message(), HasSubstr("locked by a writer until the deadline"));
  ASSERT_EQ(sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(writer);
  EXPECT_TRUE(Run(*probe).status.ok());
}

}  // namespace
}  // namespace usdcop
