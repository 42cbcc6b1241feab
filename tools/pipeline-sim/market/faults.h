// The market-data faults that POST /sim/market/fault switches on. Each fault has its own
// state, so they combine (a duplicate outlier, a late duplicate); `none` clears them all.
//   gap N            the next N due bars are never written
//   duplicate N      the next N written bars are written twice
//   outlier KIND N   the next N written bars have that shape (price_jump, ohlc_inconsistent,
//                    non_positive)
//   late S N         the next N bars are written S seconds after they are due
//   stop             nothing is written until `none` (the bars are then written late)
//   stale_ready      the ready flag is no longer updated
//   handover_stall   the WebSocket stand-in's published bar stops advancing (bars keep being
//                    written); when cleared it catches up at once
// A value type; not thread-safe (MarketWriter guards it).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "market/price_model.h"
#include "shared/enum_names.h"
#include "shared/sim_time.h"

namespace usdcop::sim {

enum class MarketFault {
  kNone,
  kGap,
  kDuplicate,
  kOutlier,
  kStop,
  kLate,
  kStaleReady,
  kHandoverStall
};
inline constexpr EnumNames<MarketFault, 8> kMarketFaultNames({"none", "gap", "duplicate", "outlier",
                                                              "stop", "late", "stale_ready",
                                                              "handover_stall"});
std::string_view OutlierKindName(BarShape shape);
std::optional<BarShape> ParseOutlierKind(std::string_view name);

struct MarketFaultRequest {
  MarketFault fault = MarketFault::kNone;
  int64_t bars = 1;                        // gap, duplicate, outlier, late
  BarShape kind = BarShape::kPriceJump;    // outlier
  Micros delay{std::chrono::seconds(60)};  // late
};

// What the next due bar gets.
struct BarPlan {
  bool skip = false;  // gap
  bool duplicate = false;
  BarShape shape = BarShape::kNormal;
  bool late = false;
  Micros delay{0};  // how much later than normal the bar is due
};

class MarketFaults {
 public:
  // Switches a fault on; kNone clears every fault.
  void Apply(const MarketFaultRequest& request);
  bool stopped() const { return stop_; }
  bool stale_ready() const { return stale_ready_; }
  bool handover_stalled() const { return handover_stall_; }
  BarPlan PlanNext() const;
  // Counts down the faults a bar got once it was written (or skipped).
  void Consume(const BarPlan& plan);
  // The most recently set fault that is still active, else any active one, else none.
  std::string_view Current() const;
  nlohmann::json Describe() const;

 private:
  bool Active(MarketFault fault) const;

  int64_t gap_ = 0;
  int64_t duplicate_ = 0;
  int64_t outlier_ = 0;
  BarShape outlier_kind_ = BarShape::kPriceJump;
  int64_t late_ = 0;
  Micros late_delay_{0};
  bool stop_ = false;
  bool stale_ready_ = false;
  bool handover_stall_ = false;
  MarketFault last_set_ = MarketFault::kNone;
};

}  // namespace usdcop::sim
