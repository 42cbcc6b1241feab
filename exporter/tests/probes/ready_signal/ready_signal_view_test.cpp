// probes/ready_signal/ready_signal_view.cpp: the ready signal and the handover as the control API
// shows them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "probes/ready_signal/ready_signal_kind.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kNow = 1'700'000'000;

TEST(ReadySignalViewTest, TheSignalItsAgeAndTheHandoverWhenConfigured) {
  ReadySignalResult r;
  r.present = true;
  r.timestamp = kNow - 30;
  EXPECT_EQ(ReadySignalKind::View(r, kNow),
            json({{"present", true}, {"timestamp", kNow - 30}, {"age_seconds", 30}}))
      << "no handover key without a handover";
  r.handover = HandoverResult{kNow - 600, 2, 300};
  EXPECT_EQ(
      ReadySignalKind::View(r, kNow)["handover"],
      json({{"last_published_bar", kNow - 600}, {"pending_records", 2}, {"lag_seconds", 300}}));
  const json absent = ReadySignalKind::View(ReadySignalResult{}, kNow);
  EXPECT_EQ(absent["present"], false);
  EXPECT_TRUE(absent["timestamp"].is_null());
  EXPECT_TRUE(absent["age_seconds"].is_null());
}

}  // namespace
}  // namespace usdcop
