#include "metrics/render.h"

#include <prometheus/text_serializer.h>

#include <optional>
#include <sstream>

#include "common/units.h"

namespace usdcop {
namespace {

void RenderProbeMeta(const ProbeRecord& r, FamilyBuilder& out) {
  const Labels probe = {{"probe", r.name}};
  out.Gauge("usdcop_probe_timeout_seconds", "The deadline each run of the probe gets.", probe,
            ToSeconds(r.timeout));
  for (Reason reason : kAllReasons) {
    auto it = r.errors.find(reason);
    out.Counter("usdcop_probe_errors_total",
                "Failed (or skipped, reason overlap) runs of the probe by reason, since the "
                "exporter started.",
                {{"probe", r.name}, {"reason", std::string(ReasonName(reason))}},
                static_cast<double>(it == r.errors.end() ? 0 : it->second));
  }
  if (!r.has_run) return;
  out.Gauge("usdcop_probe_success",
            "1 if the last run of the probe succeeded. Probes run on their own schedule; the "
            "exporter serves their latest results (see usdcop_probe_last_run_timestamp_seconds).",
            probe, r.success ? 1 : 0);
  out.Gauge("usdcop_probe_duration_seconds", "Duration of the probe's last run.", probe,
            r.duration_seconds);
  out.Gauge("usdcop_probe_last_run_timestamp_seconds",
            "When the probe's last run ended: the age of every metric it publishes.", probe,
            r.last_run_timestamp);
}

std::string ExpositionText(FamilyBuilder& out) {
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, out.Take());
  return text.str();
}

}  // namespace

void MetricsRenderer::SetReloadSuccessful(bool ok) {
  reload_ok_ = ok;
  reload_generation_++;
}

void MetricsRenderer::SetCalendar(std::shared_ptr<const TradingCalendar> calendar) {
  MutexLock lock(mu_);
  calendar_ = std::move(calendar);
  cached_ = nullptr;
}

void MetricsRenderer::SetControlSource(std::function<ControlStats()> stats,
                                       std::function<std::uint64_t()> generation) {
  MutexLock lock(mu_);
  control_stats_ = std::move(stats);
  control_generation_ = std::move(generation);
  cached_ = nullptr;
}

void MetricsRenderer::SetProcessSource(std::function<std::optional<ProcessStats>()> source,
                                       std::chrono::nanoseconds min_interval) {
  MutexLock lock(mu_);
  process_source_ = std::move(source);
  process_interval_ = min_interval;
  cached_ = nullptr;
}

void MetricsRenderer::SetHttpSource(std::function<std::vector<HttpServerStats>()> source) {
  MutexLock lock(mu_);
  http_source_ = std::move(source);
  cached_ = nullptr;
}

std::shared_ptr<const std::string> MetricsRenderer::Render() {
  // Read the generations before the data: a change racing this render bumps them again, so
  // the next scrape re-renders.
  const std::uint64_t board_gen = board_.generation();
  const std::uint64_t reload_gen = reload_generation_.load();
  MutexLock lock(mu_);
  const std::uint64_t control_gen = control_generation_ ? control_generation_() : 0;
  // The calendar's answer changes at most once a second (sessions start and end on the minute):
  // evaluated once per second of the clock rather than on every scrape.
  const SysTime now_second = std::chrono::floor<std::chrono::seconds>(clock_.Now());
  if (calendar_ != open_calendar_ || now_second != open_second_) {
    open_ = calendar_ && calendar_->IsOpen(now_second);
    open_calendar_ = calendar_;
    open_second_ = now_second;
  }
  const bool market_open = open_;
  const auto now = std::chrono::steady_clock::now();
  const bool probes_current = cached_ && board_gen == cached_board_generation_ &&
                              reload_gen == cached_reload_generation_ &&
                              market_open == cached_market_open_;
  // A control request moves only the control API's few families: the probes' part is kept.
  const bool control_current = cached_ && control_gen == cached_control_generation_;
  const bool process_current =
      (!process_source_ && !http_source_) || now - process_sampled_ < process_interval_;
  if (probes_current && control_current && process_current) return cached_;
  if (!probes_current) {
    cached_probes_ = Build(board_.Snapshot(), calendar_.get(), market_open);
    cached_board_generation_ = board_gen;
    cached_reload_generation_ = reload_gen;
    cached_market_open_ = market_open;
  }
  if (!control_current) {
    cached_control_.clear();
    if (control_stats_) {
      FamilyBuilder out;
      RenderControl(control_stats_(), out);
      cached_control_ = ExpositionText(out);
    }
    cached_control_generation_ = control_gen;
  }
  std::string text = cached_probes_ + cached_control_;
  if (process_source_ || http_source_) {
    FamilyBuilder out;
    if (http_source_) RenderHttpStats(http_source_(), out);
    if (process_source_)
      if (auto stats = process_source_()) RenderProcessStats(*stats, out);
    text += ExpositionText(out);
    process_sampled_ = now;
  }
  cached_ = std::make_shared<const std::string>(std::move(text));
  return cached_;
}

std::string MetricsRenderer::Build(const std::vector<std::shared_ptr<const ProbeRecord>>& records,
                                   const TradingCalendar* calendar, bool market_open) const {
  FamilyBuilder out;
  out.Gauge("usdcop_build_info", "The exporter's version and the git revision it was built from.",
            {{"version", build_.version}, {"revision", build_.revision}}, 1);
  out.Gauge("usdcop_config_last_reload_successful",
            "1 if the last configuration load (at start, SIGHUP or /-/reload) succeeded.", {},
            reload_ok_ ? 1 : 0);
  if (calendar)
    out.Gauge(
        "usdcop_market_open",
        "1 during a trading session of the market's calendar (first bar open to last bar close).",
        {{"market", calendar->market()}}, market_open ? 1 : 0);
  for (const auto& r : records) RenderProbeMeta(*r, out);
  for (const auto& r : records) {
    if (!r->result) continue;
    std::visit(
        [&out](const auto& result) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(result)>, std::monostate>)
            RenderResult(result, out);
        },
        *r->result);
  }
  return ExpositionText(out);
}

}  // namespace usdcop
