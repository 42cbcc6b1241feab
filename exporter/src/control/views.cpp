#include "control/views.h"

#include "control/alert_lifecycle.h"
#include "probes/probe_kinds.h"

namespace usdcop {
namespace {

using nlohmann::json;

// Kind K's view of its latest result; null when it has none.
template <class K>
json ViewOf(const BoardSnapshot& board, double now) {
  const auto* result = ResultOf<K>(board);
  return result ? K::View(*result, now) : json();
}

// A probe's own state: configured, ran, succeeded, when, and why not.
json ProbeState(const BoardSnapshot& board, std::string_view name, double now) {
  const ProbeRecord* r = RecordOf(board, name);
  if (!r) return {{"configured", false}};
  json out = {{"configured", true}, {"has_run", r->has_run}};
  if (!r->has_run) return out;
  out["success"] = r->success;
  out["checked_at"] = r->last_run_timestamp;
  out["age_seconds"] = now - r->last_run_timestamp;
  if (!r->success)
    out["error"] = {{"reason", ReasonName(r->status.reason())}, {"message", r->status.message()}};
  return out;
}

// The item of a view's list `key` whose "layer" is L0; null when there is none.
json L0Of(const json& view, const char* key) {
  if (view.is_object() && view.contains(key))
    for (const json& item : view.at(key))
      if (item.value("layer", "") == "L0") return item;
  return json();
}

json Envelope(double now) { return {{"generated_at", now}}; }

}  // namespace

const ProbeRecord* RecordOf(const BoardSnapshot& board, std::string_view name) {
  for (const auto& r : board)
    if (r->name == name) return r.get();
  return nullptr;
}

json ProbeStateView(const BoardSnapshot& board, std::string_view name, double now) {
  return ProbeState(board, name, now);
}

json L0HealthView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  json probes = json::object();
  for (std::string_view name : {PipelineKind::kName, MarketDataKind::kName, ReadySignalKind::kName,
                                BackupsKind::kName, VendorApiKind::kName})
    probes[std::string(name)] = ProbeState(board, name, now);
  out["probes"] = probes;
  const json pipeline = ViewOf<PipelineKind>(board, now);
  out["pipeline"] = L0Of(pipeline, "layers");
  if (!pipeline.is_null()) out["airflow"] = pipeline["airflow"];
  const json market_data = ViewOf<MarketDataKind>(board, now);
  out["data_quality"] = market_data.is_null() ? json::array() : market_data["symbols"];
  out["ready_signal"] = ViewOf<ReadySignalKind>(board, now);
  out["backup"] = L0Of(ViewOf<BackupsKind>(board, now), "layers");
  const json vendor_api = ViewOf<VendorApiKind>(board, now);
  out["api_usage"] = vendor_api.is_null() ? json::array() : vendor_api["keys"];
  return out;
}

json PipelineHealthView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probe"] = ProbeState(board, PipelineKind::kName, now);
  out["layers"] = json::array();
  const json pipeline = ViewOf<PipelineKind>(board, now);
  if (!pipeline.is_null()) out.update(pipeline);
  return out;
}

json BackupStatusView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probe"] = ProbeState(board, BackupsKind::kName, now);
  out["layers"] = json::array();
  const json backups = ViewOf<BackupsKind>(board, now);
  if (!backups.is_null()) out.update(backups);
  return out;
}

json WebSocketStatusView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probes"] = {
      {std::string(WebSocketKind::kName), ProbeState(board, WebSocketKind::kName, now)},
      {std::string(ReadySignalKind::kName), ProbeState(board, ReadySignalKind::kName, now)}};
  out["websocket"] = ViewOf<WebSocketKind>(board, now);
  out["ready_signal"] = ViewOf<ReadySignalKind>(board, now);
  return out;
}

json UsageMonitoringView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probe"] = ProbeState(board, VendorApiKind::kName, now);
  out["keys"] = json::array();
  const json vendor_api = ViewOf<VendorApiKind>(board, now);
  if (!vendor_api.is_null()) out.update(vendor_api);
  return out;
}

json AlertsSystemView(const BoardSnapshot& board, const AlertLifecycle& lifecycle, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probe"] = ProbeState(board, AlertmanagerKind::kName, now);
  out["alertmanager"] = ViewOf<AlertmanagerKind>(board, now);
  out["response"] = lifecycle.Summary();
  return out;
}

std::shared_ptr<const std::string> ViewText(const nlohmann::json& view) {
  return std::make_shared<const std::string>(
      view.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

std::shared_ptr<const std::string> ViewCache::Get() {
  const SysTime at = std::chrono::floor<std::chrono::milliseconds>(clock_.Now());
  // Read before the snapshot: results published in between make the next GET render again.
  const std::uint64_t generation = board_.generation();
  MutexLock lock(mu_);
  if (text_ && generation == generation_ && at == at_) return text_;
  text_ = ViewText(render_(board_.Snapshot(), at));
  generation_ = generation;
  at_ = at;
  return text_;
}

}  // namespace usdcop
