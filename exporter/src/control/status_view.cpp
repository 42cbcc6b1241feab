#include "control/status_view.h"

#include <cmath>

#include "control/alert_lifecycle.h"
#include "probes/probe_kinds.h"

namespace usdcop {
namespace {

using nlohmann::json;

// Every probe kind's state, with its interval and whether it is stale (3 intervals + 10 s).
json ProbesPart(const BoardSnapshot& board, const StatusContext& context, double now) {
  json probes = json::object();
  ForEachProbeKind([&]<class K>(std::type_identity<K>) {
    json state = ProbeStateView(board, K::kName, now);
    auto interval = context.interval_seconds.find(K::kName);
    if (state.value("configured", false) && interval != context.interval_seconds.end()) {
      state["interval_seconds"] = interval->second;
      state["stale"] = state.contains("age_seconds") &&
                       state["age_seconds"].get<double>() > 3 * interval->second + 10;
    }
    probes[std::string(K::kName)] = std::move(state);
  });
  return probes;
}

json PipelinePart(const BoardSnapshot& board, const TrendBuffer& trends, double now) {
  json out = {{"layers", json::array()}, {"airflow", json()}};
  if (const auto* result = ResultOf<PipelineKind>(board)) {
    json view = PipelineKind::View(*result, now);
    if (view.contains("layers")) out["layers"] = view["layers"];
    if (view.contains("airflow")) out["airflow"] = view["airflow"];
  }
  for (json& layer : out["layers"]) {
    std::optional<double> rate = trends.RecordsPerMinute(layer.value("layer", ""));
    layer["records_per_minute"] = rate ? json(*rate) : json();
  }
  return out;
}

json DataQualityPart(const BoardSnapshot& board, const TrendBuffer& trends, double now) {
  json out = {{"completeness_target", kCompletenessTarget},
              {"latency_target_seconds", kIngestLatencyTargetSeconds},
              {"symbols", json::array()}};
  if (const auto* result = ResultOf<MarketDataKind>(board)) {
    json view = MarketDataKind::View(*result, now);
    if (view.contains("symbols")) out["symbols"] = view["symbols"];
  }
  for (json& symbol : out["symbols"]) {
    std::optional<LatencyWindow> w = trends.IngestLatency(symbol.value("symbol", ""));
    if (!w) {
      symbol["ingest_latency"] = json();
      continue;
    }
    auto value = [](const std::optional<double>& v) { return v ? json(*v) : json(); };
    symbol["ingest_latency"] = {{"count", w->count},
                                {"window_seconds", w->window_seconds},
                                {"p50_seconds", value(w->p50)},
                                {"p90_seconds", value(w->p90)},
                                {"p99_seconds", value(w->p99)}};
  }
  return out;
}

json ApiUsagePart(const BoardSnapshot& board, double now) {
  json out = {{"provider", json()},
              {"warning_ratio", kApiUsageWarningRatio},
              {"critical_ratio", kApiUsageCriticalRatio},
              {"keys", json::array()}};
  if (const auto* result = ResultOf<VendorApiKind>(board)) {
    json view = VendorApiKind::View(*result, now);
    if (view.contains("provider")) out["provider"] = view["provider"];
    if (view.contains("keys")) out["keys"] = view["keys"];
  }
  for (json& key : out["keys"]) {
    if (!key.contains("usage") || !key["usage"].is_object()) continue;
    for (auto& [period, u] : key["usage"].items()) {
      if (u.contains("used") && u.contains("limit") && u["used"].is_number() &&
          u["limit"].is_number())
        u["remaining"] = std::max(u["limit"].get<double>() - u["used"].get<double>(), 0.0);
    }
  }
  return out;
}

json AlertsPart(const BoardSnapshot& board, const AlertLifecycle& lifecycle,
                const StatusContext& context, double now) {
  json response = lifecycle.Summary();
  if (response.is_object()) response.erase("episodes");
  const auto* result = ResultOf<AlertmanagerKind>(board);
  if (!result) return {{"alertmanager", json()}, {"response", response}};
  json view = AlertmanagerKind::View(*result, now);
  json& alerts = view["alerts"];  // the result's first alerts, in its order
  for (size_t i = 0; i < alerts.size() && i < result->alerts.size(); ++i) {
    const AlertmanagerAlert& a = result->alerts[i];
    alerts[i]["runbook_url"] =
        a.runbook_url.empty() ? json() : json(RunbookUrl(a.runbook_url, context.runbook_base_url));
    std::vector<AlertEpisode> acked = lifecycle.Acknowledged(a.fingerprint, "");
    alerts[i]["acknowledged"] = !a.silenced_by.empty() || !acked.empty();
    alerts[i]["acknowledged_by"] = acked.empty() || acked.front().acknowledged_by.empty()
                                       ? json()
                                       : json(acked.front().acknowledged_by);
  }
  return {{"alertmanager", view}, {"response", response}};
}

std::int64_t UnixSecondsOf(SysTime t) {
  return static_cast<std::int64_t>(std::floor(ToUnixSeconds(t)));
}

}  // namespace

json MarketView(const TradingCalendar& calendar, SysTime now) {
  const bool open = calendar.IsOpen(now);
  json next_open, next_close;
  const date::local_days today = calendar.LocalDay(now);
  for (int d = -1; d <= 31 && next_open.is_null() && next_close.is_null(); ++d) {
    for (const SessionSpan& s : calendar.SessionsOn(today + date::days(d))) {
      if (open && s.first_bar <= now && now < s.end) {
        next_close = UnixSecondsOf(s.end);
        break;
      }
      if (!open && s.first_bar > now) {
        next_open = UnixSecondsOf(s.first_bar);
        break;
      }
    }
  }
  return {{"open", open},
          {"next_open", next_open},
          {"next_close", next_close},
          {"timezone", calendar.timezone()}};
}

std::string RunbookUrl(const std::string& annotation, const std::string& base) {
  const bool absolute = annotation.rfind("http://", 0) == 0 || annotation.rfind("https://", 0) == 0;
  if (absolute || base.empty()) return annotation;
  std::string relative = annotation;
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  return base.back() == '/' ? base + relative : base + "/" + relative;
}

json StatusView(const BoardSnapshot& board, const AlertLifecycle& lifecycle,
                const TrendBuffer& trends, const StatusContext& context, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = {{"generated_at", now}, {"refresh_seconds", kStatusRefreshSeconds}};
  out["market"] = context.calendar ? MarketView(*context.calendar, now_t) : json();
  out["probes"] = ProbesPart(board, context, now);
  out["pipeline"] = PipelinePart(board, trends, now);
  out["data_quality"] = DataQualityPart(board, trends, now);
  const auto* ready = ResultOf<ReadySignalKind>(board);
  out["ready_signal"] = ready ? ReadySignalKind::View(*ready, now) : json();
  json backups = json::array();
  if (const auto* result = ResultOf<BackupsKind>(board)) {
    json view = BackupsKind::View(*result, now);
    if (view.contains("layers")) backups = view["layers"];
  }
  out["backups"] = {{"layers", backups}};
  const auto* websocket = ResultOf<WebSocketKind>(board);
  out["websocket"] = websocket ? WebSocketKind::View(*websocket, now) : json();
  out["api_usage"] = ApiUsagePart(board, now);
  out["alerts"] = AlertsPart(board, lifecycle, context, now);
  out["trends"] = trends.Json();
  return out;
}

}  // namespace usdcop
