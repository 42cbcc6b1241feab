// Renders the exposition: every metric of the exporter comes from here, built from the
// ResultBoard's latest records and the trading calendar (no I/O). The text is cached and
// rebuilt only when the board, the reload state or the market's open/closed state changed, so
// a scrape costs a pointer copy. The process metrics (process_*, when a source is set) and the
// HTTP ports' connection figures are sampled at most once per `min_interval` and appended to the
// cached text. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "calendar/trading_calendar.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "exposition/family_builder.h"
#include "metrics/control_stats.h"
#include "metrics/process_metrics.h"
#include "metrics/server_stats.h"
#include "probes/probe_kinds.h"
#include "scheduler/result_board.h"

namespace usdcop {

struct BuildInfo {
  std::string version;
  std::string revision;
};

// One probe result's metrics: its kind's Render.
template <class R>
void RenderResult(const R& result, FamilyBuilder& out) {
  KindOfResult<R>::Render(result, out);
}
// The control API's requests and the alert lifecycle's figures.
void RenderControl(const ControlStats& stats, FamilyBuilder& out);
// usdcop_http_connections and usdcop_http_connections_rejected_total of each port.
void RenderHttpStats(const std::vector<HttpServerStats>& ports, FamilyBuilder& out);

class MetricsRenderer {
 public:
  MetricsRenderer(const ResultBoard& board, BuildInfo build, const Clock& clock)
      : board_(board), build_(std::move(build)), clock_(clock) {}

  void SetReloadSuccessful(bool ok);
  // The calendar behind usdcop_market_open (set at start and on every reload).
  void SetCalendar(std::shared_ptr<const TradingCalendar> calendar);
  // Where the control API's figures come from (when it is served), and a counter that moves
  // when they change.
  void SetControlSource(std::function<ControlStats()> stats,
                        std::function<std::uint64_t()> generation);
  // Where the process metrics come from (ReadProcessStats in the daemon), sampled at most once
  // per `min_interval` of steady time; without a source there are none.
  void SetProcessSource(std::function<std::optional<ProcessStats>()> source,
                        std::chrono::nanoseconds min_interval);
  // Where the HTTP ports' connection figures come from, sampled with the process metrics.
  void SetHttpSource(std::function<std::vector<HttpServerStats>()> source);
  // The current exposition in the text format 0.0.4.
  std::shared_ptr<const std::string> Render();

 private:
  std::string Build(const std::vector<std::shared_ptr<const ProbeRecord>>& records,
                    const TradingCalendar* calendar, bool market_open) const;

  const ResultBoard& board_;
  const BuildInfo build_;
  const Clock& clock_;
  std::atomic<bool> reload_ok_{true};
  std::atomic<std::uint64_t> reload_generation_{0};

  Mutex mu_;
  std::uint64_t cached_board_generation_ GUARDED_BY(mu_) = 0;
  std::uint64_t cached_reload_generation_ GUARDED_BY(mu_) = 0;
  std::shared_ptr<const std::string> cached_ GUARDED_BY(mu_);  // probes' + control's + process text
  std::string cached_probes_ GUARDED_BY(mu_);                  // the probes' part of cached_
  std::string cached_control_ GUARDED_BY(mu_);  // the control API's part, rebuilt on its own
  std::function<std::optional<ProcessStats>()> process_source_ GUARDED_BY(mu_);
  std::function<std::vector<HttpServerStats>()> http_source_ GUARDED_BY(mu_);
  std::chrono::nanoseconds process_interval_ GUARDED_BY(mu_){0};
  std::chrono::steady_clock::time_point process_sampled_ GUARDED_BY(mu_);
  std::shared_ptr<const TradingCalendar> calendar_ GUARDED_BY(mu_);
  bool cached_market_open_ GUARDED_BY(mu_) = false;
  std::shared_ptr<const TradingCalendar> open_calendar_
      GUARDED_BY(mu_);  // what open_ was computed with
  SysTime open_second_ GUARDED_BY(mu_){};
  bool open_ GUARDED_BY(mu_) = false;  // IsOpen at open_second_
  std::function<ControlStats()> control_stats_ GUARDED_BY(mu_);
  std::function<std::uint64_t()> control_generation_ GUARDED_BY(mu_);
  std::uint64_t cached_control_generation_ GUARDED_BY(mu_) = 0;
};

}  // namespace usdcop
