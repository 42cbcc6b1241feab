#include "control/trend_buffer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "probes/probe_kinds.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kNull = std::numeric_limits<double>::quiet_NaN();

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

json Point(double t, double v) { return json::array({t, std::isnan(v) ? json() : json(v)}); }

}  // namespace

std::optional<double> HistogramQuantile(double q, const LatencyHistogram& h) {
  if (h.count == 0) return std::nullopt;
  const double rank = q * static_cast<double>(h.count);
  double lower = 0, below = 0;
  for (size_t i = 0; i < h.counts.size() && i < std::size(LatencyHistogram::kBounds); ++i) {
    const double upper = LatencyHistogram::kBounds[i];
    const double at = static_cast<double>(h.counts[i]);
    if (at >= rank) {
      if (at == below) return upper;
      return lower + (upper - lower) * (rank - below) / (at - below);
    }
    lower = upper;
    below = at;
  }
  return lower;  // in +Inf: the largest finite bound, as Prometheus answers
}

LatencyHistogram HistogramIncrease(const LatencyHistogram& later, const LatencyHistogram& earlier) {
  if (later.count < earlier.count || later.counts.size() != earlier.counts.size()) return later;
  LatencyHistogram out = later;
  for (size_t i = 0; i < out.counts.size(); ++i) {
    if (later.counts[i] < earlier.counts[i]) return later;
    out.counts[i] = later.counts[i] - earlier.counts[i];
  }
  out.count = later.count - earlier.count;
  out.sum = later.sum - earlier.sum;
  return out;
}

TrendBuffer::TrendBuffer(Logger& log, Duration step) : log_(log), step_(step) {}

void TrendBuffer::SetStep(Duration step) {
  MutexLock lock(mu_);
  if (step == step_) return;
  step_ = step;
  open_step_.reset();
  series_.clear();
  warned_full_ = false;
}

std::int64_t TrendBuffer::StepOf(double unix_seconds) const {
  return static_cast<std::int64_t>(std::floor(unix_seconds / Seconds(step_)));
}

double TrendBuffer::StepEnd(std::int64_t step) const {
  return static_cast<double>(step + 1) * Seconds(step_);
}

void TrendBuffer::Observe(const std::shared_ptr<const ProbeRecord>& record) {
  if (!record || !record->has_run) return;
  MutexLock lock(mu_);
  const std::int64_t step = StepOf(record->last_run_timestamp);
  if (!open_step_) open_step_ = step;
  if (step > *open_step_) {
    // The steps that ended meanwhile, each sampled from the results published before it; of a
    // gap longer than the ring, only its last kTrendPoints steps can be shown.
    const std::int64_t ring = static_cast<std::int64_t>(kTrendPoints);
    for (std::int64_t s = std::max(*open_step_, step - ring); s < step; ++s) Close(s);
    open_step_ = step;
  }
  latest_[record->name] = record;
}

template <class K>
const typename K::Result* TrendBuffer::LatestOf() const {
  auto it = latest_.find(std::string(K::kName));
  if (it == latest_.end() || !it->second->success || !it->second->result) return nullptr;
  return std::get_if<typename K::Result>(it->second->result.get());
}

std::vector<TrendBuffer::Sample> TrendBuffer::SampleLatest(std::int64_t step) const {
  std::vector<Sample> out;
  const double minutes = Seconds(step_) / 60;
  if (const auto* pipeline = LatestOf<PipelineKind>()) {
    for (const LayerResult& l : pipeline->layers) {
      if (!l.records) continue;
      Sample s{"records_per_minute", {{"layer", l.layer}}, kNull, l.records, std::nullopt};
      if (const Series* series = Find(s.name, s.labels); series && step > series->first_step) {
        const double before = series->counters[(step - 1) % kTrendPoints];
        if (!std::isnan(before))
          s.value = (*l.records >= before ? *l.records - before : *l.records) / minutes;
      }
      out.push_back(std::move(s));
    }
  }
  if (const auto* market = LatestOf<MarketDataKind>()) {
    for (const SymbolResult& sym : market->symbols) {
      if (!sym.windows.empty()) {
        auto session = std::find_if(sym.windows.begin(), sym.windows.end(),
                                    [](const WindowStats& w) { return w.window == "session"; });
        const WindowStats& w = session != sym.windows.end() ? *session : sym.windows.front();
        out.push_back({"completeness_ratio",
                       {{"symbol", sym.symbol}, {"window", w.window}},
                       w.completeness(),
                       std::nullopt,
                       std::nullopt});
      }
      if (sym.counters_known)  // its p90 is filled in by Close, over the window
        out.push_back({"ingest_latency_p90_seconds",
                       {{"symbol", sym.symbol}},
                       kNull,
                       std::nullopt,
                       sym.ingest_latency});
    }
  }
  if (const auto* vendor = LatestOf<VendorApiKind>()) {
    for (const VendorKeyResult& key : vendor->keys)
      for (const VendorUsageResult& u : key.usage)
        if (u.period == "minute" && u.limit > 0)
          out.push_back({"api_usage_ratio",
                         {{"key_id", key.key_id}, {"period", u.period}},
                         u.used / u.limit,
                         std::nullopt,
                         std::nullopt});
  }
  if (const auto* websocket = LatestOf<WebSocketKind>()) {
    if (websocket->connected_clients)
      out.push_back(
          {"websocket_clients", {}, *websocket->connected_clients, std::nullopt, std::nullopt});
  }
  return out;
}

void TrendBuffer::Close(std::int64_t step) {
  const size_t pos = static_cast<size_t>(step % static_cast<std::int64_t>(kTrendPoints));
  for (Series& s : series_) {  // null unless sampled below
    s.values[pos] = kNull;
    if (!s.counters.empty()) s.counters[pos] = kNull;
    if (!s.histograms.empty()) s.histograms[pos].reset();
  }
  // A series without a value for a whole span makes room (its layer, symbol or key is gone).
  const std::int64_t span = static_cast<std::int64_t>(kTrendPoints);
  std::erase_if(series_, [&](const Series& s) { return s.last_value_step <= step - span; });

  for (Sample& sample : SampleLatest(step)) {
    Series* s = Find(sample.name, sample.labels);
    if (!s) {
      if (series_.size() >= kMaxTrendSeries) {
        if (!warned_full_)
          log_.Warn("too many trend series for the status page; the first ones are kept",
                    {{"limit", std::to_string(kMaxTrendSeries)}, {"dropped", sample.name}});
        warned_full_ = true;
        continue;
      }
      Series& created = series_.emplace_back();
      created.name = sample.name;
      created.labels = sample.labels;
      created.first_step = step;
      created.last_value_step = step;
      created.values.assign(kTrendPoints, kNull);
      if (sample.counter) created.counters.assign(kTrendPoints, kNull);
      if (sample.histogram) created.histograms.resize(kTrendPoints);
      s = &created;
    }
    if (!s->counters.empty() && sample.counter) s->counters[pos] = *sample.counter;
    if (!s->histograms.empty() && sample.histogram) {
      s->histograms[pos] = sample.histogram;
      if (auto window = LatencyOver(*s, *sample.histogram, step, StepEnd(step));
          window && window->p90)
        sample.value = *window->p90;
    }
    s->values[pos] = sample.value;
    if (!std::isnan(sample.value)) s->last_value_step = step;
  }
}

TrendBuffer::Series* TrendBuffer::Find(std::string_view name, const Labels& labels) {
  for (Series& s : series_)
    if (s.name == name && s.labels == labels) return &s;
  return nullptr;
}

const TrendBuffer::Series* TrendBuffer::Find(std::string_view name, const Labels& labels) const {
  for (const Series& s : series_)
    if (s.name == name && s.labels == labels) return &s;
  return nullptr;
}

std::optional<std::int64_t> TrendBuffer::BaseStep(const Series& s, std::int64_t end_step,
                                                  double now_t,
                                                  const std::function<bool(size_t)>& has) const {
  const std::int64_t window =
      std::clamp<std::int64_t>(static_cast<std::int64_t>(Seconds(kTrendWindow) / Seconds(step_)), 1,
                               static_cast<std::int64_t>(kTrendPoints) - 1);
  for (std::int64_t step = std::max(end_step - window, s.first_step);
       step < end_step && StepEnd(step) < now_t; ++step)
    if (has(static_cast<size_t>(step % static_cast<std::int64_t>(kTrendPoints)))) return step;
  return std::nullopt;
}

std::optional<LatencyWindow> TrendBuffer::LatencyOver(const Series& s, const LatencyHistogram& now,
                                                      std::int64_t end_step, double now_t) const {
  const std::optional<std::int64_t> base =
      BaseStep(s, end_step, now_t, [&](size_t pos) { return s.histograms[pos].has_value(); });
  if (!base) return std::nullopt;
  const LatencyHistogram increase =
      HistogramIncrease(now, *s.histograms[static_cast<size_t>(*base % kTrendPoints)]);
  if (increase.count == 0) return std::nullopt;
  return LatencyWindow{increase.count, now_t - StepEnd(*base), HistogramQuantile(0.5, increase),
                       HistogramQuantile(0.9, increase), HistogramQuantile(0.99, increase)};
}

nlohmann::json TrendBuffer::Json() const {
  MutexLock lock(mu_);
  json series = json::array();
  for (const Series& s : series_) {
    json labels = json::object();
    for (const auto& [k, v] : s.labels) labels[k] = v;
    json points = json::array();
    if (open_step_) {
      const std::int64_t newest = *open_step_ - 1;
      const std::int64_t oldest =
          std::max(s.first_step, newest - static_cast<std::int64_t>(kTrendPoints) + 1);
      for (std::int64_t step = oldest; step <= newest; ++step)
        points.push_back(Point(StepEnd(step), s.values[static_cast<size_t>(step % kTrendPoints)]));
    }
    series.push_back({{"name", s.name}, {"labels", labels}, {"points", points}});
  }
  return {{"step_seconds", Seconds(step_)},
          {"span_seconds", Seconds(step_) * kTrendPoints},
          {"series", series}};
}

std::optional<double> TrendBuffer::RecordsPerMinute(std::string_view layer) const {
  MutexLock lock(mu_);
  const PipelineResult* pipeline = LatestOf<PipelineKind>();
  if (!pipeline) return std::nullopt;
  auto l = std::find_if(pipeline->layers.begin(), pipeline->layers.end(),
                        [&](const LayerResult& r) { return r.layer == layer; });
  if (l == pipeline->layers.end() || !l->records) return std::nullopt;
  const Series* s = Find("records_per_minute", {{"layer", std::string(layer)}});
  if (!s || !open_step_) return std::nullopt;
  const double now_t = latest_.at(std::string(PipelineKind::kName))->last_run_timestamp;
  const std::optional<std::int64_t> base =
      BaseStep(*s, *open_step_, now_t, [&](size_t pos) { return !std::isnan(s->counters[pos]); });
  if (!base) return std::nullopt;
  const double before = s->counters[static_cast<size_t>(*base % kTrendPoints)];
  const double increase = *l->records >= before ? *l->records - before : *l->records;
  return increase / ((now_t - StepEnd(*base)) / 60);
}

std::optional<LatencyWindow> TrendBuffer::IngestLatency(std::string_view symbol) const {
  MutexLock lock(mu_);
  const MarketDataResult* market = LatestOf<MarketDataKind>();
  if (!market) return std::nullopt;
  auto sym = std::find_if(market->symbols.begin(), market->symbols.end(),
                          [&](const SymbolResult& r) { return r.symbol == symbol; });
  if (sym == market->symbols.end() || !sym->counters_known) return std::nullopt;
  const Series* s = Find("ingest_latency_p90_seconds", {{"symbol", std::string(symbol)}});
  if (!s || !open_step_) return std::nullopt;
  return LatencyOver(*s, sym->ingest_latency, *open_step_,
                     latest_.at(std::string(MarketDataKind::kName))->last_run_timestamp);
}

}  // namespace usdcop
