#include "market/ingest_tracker.h"

#include <gtest/gtest.h>

namespace usdcop {
namespace {

BarRow Row(double time, double mark) {
  BarRow r;
  r.time = time;
  r.mark = mark;
  r.ingested_at = mark;
  return r;
}

TEST(IngestTracker, TheFirstReadIsTheBaseline) {
  IngestTracker t(600);
  EXPECT_FALSE(t.ReadFrom());
  EXPECT_TRUE(t.Observe({Row(0, 310), Row(300, 610)}).empty());
  EXPECT_EQ(t.watermark(), 610);
  EXPECT_EQ(t.ReadFrom(), 10);
}

TEST(IngestTracker, RowsReReadInTheLookbackAreNotNewButLateOnesAre) {
  IngestTracker t(600);
  (void)t.Observe({Row(0, 310), Row(300, 610)});
  // The next read returns the 300 bar again, a new 600 bar, and a late row whose mark is
  // inside the lookback (it committed after the last read with an older timestamp).
  auto fresh = t.Observe({Row(300, 610), Row(600, 910), Row(250, 600)});
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[0].time, 250);
  EXPECT_EQ(fresh[1].time, 600);
  EXPECT_TRUE(t.Observe({Row(300, 610), Row(600, 910), Row(250, 600)}).empty());
}

TEST(IngestTracker, IdenticalRowsAreCountedAsMany) {
  IngestTracker t(600);
  (void)t.Observe({Row(0, 100)});
  auto fresh =
      t.Observe({Row(0, 100), Row(300, 400), Row(300, 400)});  // a duplicate written twice at once
  EXPECT_EQ(fresh.size(), 2u);
  EXPECT_TRUE(t.Observe({Row(300, 400), Row(300, 400)}).empty());
}

TEST(IngestTracker, StateRoundTripsSoARestartNeitherLosesNorRecounts) {
  IngestTracker t(600);
  (void)t.Observe({Row(0, 310), Row(300, 610)});
  IngestTracker restored(600);
  ASSERT_TRUE(restored.FromJson(t.ToJson()));
  EXPECT_EQ(restored.watermark(), 610);
  auto fresh = restored.Observe({Row(0, 310), Row(300, 610), Row(600, 910)});
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].time, 600);
  EXPECT_FALSE(restored.FromJson("{not json"));
  EXPECT_FALSE(restored.FromJson(R"({"recent": [[1, 2]]})"));
  EXPECT_EQ(restored.watermark(), 910);
}

TEST(IngestTracker, ForgetsWhatIsOlderThanTheLookback) {
  IngestTracker t(100);
  (void)t.Observe({Row(0, 0)});
  (void)t.Observe({Row(300, 1000)});
  // (0, 0) is far behind the watermark: a read from 900 cannot return it, and the state is small.
  EXPECT_EQ(t.ToJson().find("[0.0,0.0"), std::string::npos);
}

}  // namespace
}  // namespace usdcop
