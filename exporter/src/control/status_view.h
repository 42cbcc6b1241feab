// GET /api/status: the status page's one summary (docs/status-page.md), composed from the same
// parts as the other views (the probes' latest results on the ResultBoard, the alert lifecycle)
// plus what only the page needs: each probe's interval and staleness, the market's next open or
// close, the SLO targets and alert thresholds, remaining calls, runbook links and
// acknowledgements. No I/O; reading the alert lifecycle takes its lock (run it on a worker, as
// /api/alerts/system is).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "calendar/trading_calendar.h"
#include "control/trend_buffer.h"
#include "control/views.h"

namespace usdcop {

class AlertLifecycle;

// The SLOs of rules/README.md and the thresholds of rules/usdcop_alerts.yml, as the page draws
// them.
inline constexpr double kCompletenessTarget = 0.995;
inline constexpr double kIngestLatencyTargetSeconds = 30;
inline constexpr double kApiUsageWarningRatio = 0.8;
inline constexpr double kApiUsageCriticalRatio = 0.95;
inline constexpr int kStatusRefreshSeconds = 5;

// What the summary needs beyond the board: from the config, immutable once built.
struct StatusContext {
  std::map<std::string, double, std::less<>>
      interval_seconds;                             // probe name -> its configured interval
  std::shared_ptr<const TradingCalendar> calendar;  // null: "market" is null
  std::string runbook_base_url;  // joined to a relative runbook_url; "" = passed as is
};

nlohmann::json StatusView(const BoardSnapshot& board, const AlertLifecycle& lifecycle,
                          const TrendBuffer& trends, const StatusContext& context, SysTime now);

// {"open", "next_open", "next_close", "timezone"} of `calendar` at `now`: the next close while
// open, else the next open (looking 31 days ahead; null beyond).
nlohmann::json MarketView(const TradingCalendar& calendar, SysTime now);

// A runbook annotation as the page links it: relative ones joined to `base` when it is set.
std::string RunbookUrl(const std::string& annotation, const std::string& base);

}  // namespace usdcop
