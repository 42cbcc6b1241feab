// The status page's trends: a fixed-size ring of recent samples of the probes' results, kept in
// memory so that the page draws the last hours without Prometheus (docs/status-page.md, "The
// ring buffer"). Fed by the ResultBoard's publication of each result, never by a request: at
// every step's end it samples the newest results (each series' value, or null when its probe's
// newest run failed or said nothing of it). Bounded: at most kMaxTrendSeries series of
// kTrendPoints points each, plus the layers' record counters and the symbols' latency
// histograms at each step, from which the 10-minute figures of the page are taken. Not
// persisted: after a restart the charts start empty. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/mutex.h"
#include "common/units.h"
#include "probes/market_data/market_data_result.h"
#include "scheduler/result_board.h"

namespace usdcop {

inline constexpr Duration kTrendStep = std::chrono::minutes(1);  // control.trend_step's default
inline constexpr size_t kTrendPoints = 360;                      // per series: 6 h at 1 m
inline constexpr size_t kMaxTrendSeries = 64;
inline constexpr Duration kTrendWindow = std::chrono::minutes(10);  // the page's 10-minute figures

// The q-quantile (0 < q < 1) of a cumulative histogram as Prometheus' histogram_quantile
// computes it: linear within the bucket holding the rank, from 0 for the first bucket, and the
// largest finite bound when the rank falls in +Inf. Null when it has no observations.
std::optional<double> HistogramQuantile(double q, const LatencyHistogram& h);

// `later` minus `earlier`, bucket by bucket; `later` itself when a count went down (the
// counters were reset: everything since counts).
LatencyHistogram HistogramIncrease(const LatencyHistogram& later, const LatencyHistogram& earlier);

struct LatencyWindow {
  std::uint64_t count = 0;  // observations in the window
  double window_seconds = 0;
  std::optional<double> p50, p90, p99;
};

class TrendBuffer {
 public:
  explicit TrendBuffer(Logger& log, Duration step = kTrendStep);
  TrendBuffer(const TrendBuffer&) = delete;
  TrendBuffer& operator=(const TrendBuffer&) = delete;

  // The step (control.trend_step). A change empties the buffer; the same step keeps it.
  void SetStep(Duration step);
  // A published result (ResultBoard's listener). Steps that ended before its run ended are
  // closed first, each sampled from the results published before it.
  void Observe(const std::shared_ptr<const ProbeRecord>& record);

  // {"step_seconds", "span_seconds", "series": [{"name", "labels", "points": [[t, v], ...]}]}:
  // points oldest first, t a step's end (Unix seconds), v null where there was no value.
  nlohmann::json Json() const;
  // A layer's records per minute over the last 10 minutes (or what the buffer holds of them):
  // the increase of its records counter from the oldest step in the window to its newest
  // result. Null before a first step has ended with a counter, or when the layer has none.
  std::optional<double> RecordsPerMinute(std::string_view layer) const;
  // A symbol's ingest latency over the last 10 minutes, as above: its newest histogram minus
  // the one at the window's oldest step. Null when no row arrived in the window.
  std::optional<LatencyWindow> IngestLatency(std::string_view symbol) const;

 private:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  struct Series {
    std::string name;
    Labels labels;
    std::int64_t first_step = 0;       // the first step it has a point for
    std::int64_t last_value_step = 0;  // the newest step with a value: all null for a span drops it
    std::vector<double> values;        // kTrendPoints, by step % kTrendPoints; NaN = null
    // records_per_minute only: the layer's records counter at each step's end (NaN = unknown).
    std::vector<double> counters;
    // ingest_latency_p90_seconds only: the symbol's histogram at each step's end.
    std::vector<std::optional<LatencyHistogram>> histograms;
  };
  // A sample of one series at a step's end.
  struct Sample {
    std::string name;
    Labels labels;
    double value;  // NaN = null
    std::optional<double> counter;
    std::optional<LatencyHistogram> histogram;
  };

  // The newest result of probe kind K when its run succeeded; null otherwise.
  template <class K>
  const typename K::Result* LatestOf() const REQUIRES(mu_);
  std::int64_t StepOf(double unix_seconds) const REQUIRES(mu_);
  double StepEnd(std::int64_t step) const REQUIRES(mu_);
  std::vector<Sample> SampleLatest(std::int64_t step) const REQUIRES(mu_);
  void Close(std::int64_t step) REQUIRES(mu_);
  Series* Find(std::string_view name, const Labels& labels) REQUIRES(mu_);
  const Series* Find(std::string_view name, const Labels& labels) const REQUIRES(mu_);
  // The oldest step of the 10-minute window ending with `end_step` (at most kTrendPoints - 1
  // steps) that ended before `now_t` and `has` a value at its ring position.
  std::optional<std::int64_t> BaseStep(const Series& s, std::int64_t end_step, double now_t,
                                       const std::function<bool(size_t)>& has) const REQUIRES(mu_);
  // Latency over the window from BaseStep to `now` (a histogram at `now_t`).
  std::optional<LatencyWindow> LatencyOver(const Series& s, const LatencyHistogram& now,
                                           std::int64_t end_step, double now_t) const REQUIRES(mu_);

  Logger& log_;
  mutable Mutex mu_;
  Duration step_ GUARDED_BY(mu_);
  std::optional<std::int64_t> open_step_ GUARDED_BY(mu_);  // the step results now fall into
  // The newest result of each probe, as published (kept across steps: a probe whose interval is
  // longer than the step is sampled from its newest run).
  std::map<std::string, std::shared_ptr<const ProbeRecord>> latest_ GUARDED_BY(mu_);
  std::vector<Series> series_ GUARDED_BY(mu_);
  bool warned_full_ GUARDED_BY(mu_) = false;
};

}  // namespace usdcop
