#include "market/faults.h"

#include <array>

namespace usdcop::sim {
namespace {

constexpr std::array<std::string_view, 4> kShapeNames = {"normal", "price_jump",
                                                         "ohlc_inconsistent", "non_positive"};

void CountDown(int64_t& counter, bool used) {
  if (used && counter > 0) --counter;
}

}  // namespace

std::string_view OutlierKindName(BarShape shape) { return kShapeNames[static_cast<size_t>(shape)]; }

std::optional<BarShape> ParseOutlierKind(std::string_view name) {
  for (size_t i = 1; i < kShapeNames.size(); ++i) {
    if (kShapeNames[i] == name) return static_cast<BarShape>(i);
  }
  return std::nullopt;
}

void MarketFaults::Apply(const MarketFaultRequest& r) {
  switch (r.fault) {
    case MarketFault::kNone:
      *this = MarketFaults();
      return;
    case MarketFault::kGap:
      gap_ = r.bars;
      break;
    case MarketFault::kDuplicate:
      duplicate_ = r.bars;
      break;
    case MarketFault::kOutlier:
      outlier_ = r.bars;
      outlier_kind_ = r.kind;
      break;
    case MarketFault::kStop:
      stop_ = true;
      break;
    case MarketFault::kLate:
      late_ = r.bars;
      late_delay_ = r.delay;
      break;
    case MarketFault::kStaleReady:
      stale_ready_ = true;
      break;
    case MarketFault::kHandoverStall:
      handover_stall_ = true;
      break;
  }
  last_set_ = r.fault;
}

BarPlan MarketFaults::PlanNext() const {
  BarPlan plan;
  if (gap_ > 0) {
    plan.skip = true;  // a missing bar is missing at its normal time
    return plan;
  }
  plan.late = late_ > 0;
  if (plan.late) plan.delay = late_delay_;
  plan.duplicate = duplicate_ > 0;
  if (outlier_ > 0) plan.shape = outlier_kind_;
  return plan;
}

void MarketFaults::Consume(const BarPlan& plan) {
  CountDown(gap_, plan.skip);
  CountDown(duplicate_, plan.duplicate);
  CountDown(outlier_, plan.shape != BarShape::kNormal);
  CountDown(late_, plan.late);
}

bool MarketFaults::Active(MarketFault fault) const {
  switch (fault) {
    case MarketFault::kNone:
      return false;
    case MarketFault::kGap:
      return gap_ > 0;
    case MarketFault::kDuplicate:
      return duplicate_ > 0;
    case MarketFault::kOutlier:
      return outlier_ > 0;
    case MarketFault::kStop:
      return stop_;
    case MarketFault::kLate:
      return late_ > 0;
    case MarketFault::kStaleReady:
      return stale_ready_;
    case MarketFault::kHandoverStall:
      return handover_stall_;
  }
  return false;
}

std::string_view MarketFaults::Current() const {
  if (Active(last_set_)) return kMarketFaultNames[last_set_];
  for (size_t i = 1; i < kMarketFaultNames.names().size(); ++i) {
    if (Active(static_cast<MarketFault>(i))) return kMarketFaultNames.names()[i];
  }
  return "none";
}

nlohmann::json MarketFaults::Describe() const {
  nlohmann::json active = nlohmann::json::array();
  for (size_t i = 1; i < kMarketFaultNames.names().size(); ++i) {
    if (Active(static_cast<MarketFault>(i))) active.push_back(kMarketFaultNames.names()[i]);
  }
  return {{"active", active},
          {"gap_bars", gap_},
          {"duplicate_bars", duplicate_},
          {"outlier_bars", outlier_},
          {"outlier_kind", OutlierKindName(outlier_kind_)},
          {"late_bars", late_},
          {"late_seconds", std::chrono::duration<double>(late_delay_).count()},
          {"stopped", stop_},
          {"stale_ready", stale_ready_},
          {"handover_stall", handover_stall_}};
}

}  // namespace usdcop::sim
