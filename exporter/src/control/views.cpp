#include "control/views.h"

#include "control/alert_lifecycle.h"

namespace usdcop {
namespace {

using nlohmann::json;

json Opt(const std::optional<double>& v) { return v ? json(*v) : json(); }

template <typename T>
json OptInt(const std::optional<T>& v) {
  return v ? json(*v) : json();
}

json AgeOf(const std::optional<double>& t, double now) { return t ? json(now - *t) : json(); }

const ProbeRecord* Find(const BoardSnapshot& board, const char* name) {
  for (const auto& r : board)
    if (r->name == name) return r.get();
  return nullptr;
}

// The result of type T of probe `name`, when it has one.
template <typename T>
const T* ResultOf(const BoardSnapshot& board, const char* name) {
  const ProbeRecord* r = Find(board, name);
  if (!r || !r->result) return nullptr;
  return std::get_if<T>(r->result.get());
}

// A probe's own state: configured, ran, succeeded, when, and why not.
json ProbeState(const BoardSnapshot& board, const char* name, double now) {
  const ProbeRecord* r = Find(board, name);
  if (!r) return {{"configured", false}};
  json out = {{"configured", true}, {"has_run", r->has_run}};
  if (!r->has_run) return out;
  out["success"] = r->success;
  out["checked_at"] = r->last_run_timestamp;
  out["age_seconds"] = now - r->last_run_timestamp;
  if (!r->success) out["error"] = {{"reason", ReasonName(r->status.reason())}, {"message", r->status.message()}};
  return out;
}

json LayerJson(const LayerResult& l, double now) {
  const double finished = static_cast<double>(l.runs_success + l.runs_failed);
  return {{"layer", l.layer},
          {"dag_id", l.dag_id},
          {"current", l.current},
          {"status", LayerStatusName(l.status)},
          {"last_run_start", Opt(l.last_run_start)},
          {"last_success", Opt(l.last_success)},
          {"since_last_success_seconds", AgeOf(l.last_success, now)},
          {"last_run_duration_seconds", Opt(l.last_duration)},
          {"runs_succeeded", l.runs_success},
          {"runs_failed", l.runs_failed},
          {"error_ratio", finished > 0 ? json(static_cast<double>(l.runs_failed) / finished) : json()},
          {"records_last_run", Opt(l.records)}};
}

json AirflowJson(const PipelineResult& p, double now) {
  if (!p.airflow) return json();
  json components = json::object();
  for (const auto& c : p.airflow->components) components[c.name] = c.healthy ? "healthy" : "unhealthy";
  return {{"components", components},
          {"scheduler_heartbeat", Opt(p.airflow->scheduler_heartbeat)},
          {"scheduler_heartbeat_age_seconds", AgeOf(p.airflow->scheduler_heartbeat, now)}};
}

json WindowJson(const WindowStats& w) {
  json outliers = json::object();
  for (const auto& [flaw, n] : w.flaws) outliers[std::string(BarFlawName(flaw))] = n;
  return {{"expected", w.expected}, {"observed", w.observed}, {"completeness_ratio", w.completeness()},
          {"missing", w.missing}, {"gaps", w.gaps}, {"largest_gap_seconds", w.largest_gap_seconds},
          {"duplicates", w.duplicates}, {"outliers", outliers}};
}

json SymbolJson(const SymbolResult& s, double now) {
  json windows = json::object();
  for (const WindowStats& w : s.windows) windows[w.window] = WindowJson(w);
  return {{"symbol", s.symbol}, {"last_bar", Opt(s.last_bar)}, {"last_bar_age_seconds", AgeOf(s.last_bar, now)},
          {"staleness_seconds", Opt(s.staleness)}, {"windows", windows}};
}

json ReadySignalJson(const ReadySignalResult& r, double now) {
  json out = {{"present", r.present}, {"timestamp", Opt(r.timestamp)}, {"age_seconds", AgeOf(r.timestamp, now)}};
  if (r.handover)
    out["handover"] = {{"last_published_bar", r.handover->last_published_bar},
                       {"pending_records", r.handover->pending_bars},
                       {"lag_seconds", r.handover->lag_seconds}};
  return out;
}

json BackupLayerJson(const BackupLayerResult& b, double now) {
  json failures = json::object();
  for (IntegrityReason r : kAllIntegrityReasons)
    failures[std::string(IntegrityReasonName(r))] = b.failures[static_cast<size_t>(r)];
  return {{"layer", b.layer},
          {"present", b.present},
          {"newest", Opt(b.newest_timestamp)},
          {"newest_age_seconds", AgeOf(b.newest_timestamp, now)},
          {"oldest", Opt(b.oldest_timestamp)},
          {"retention_reach_seconds", AgeOf(b.oldest_timestamp, now)},
          {"size_bytes", OptInt(b.newest_size_bytes)},
          {"files", OptInt(b.newest_files)},
          {"integrity_ok", b.integrity_ok ? json(*b.integrity_ok) : json()},
          {"integrity_failures", failures},
          {"gaps", b.gaps},
          {"last_verification", Opt(b.last_verification)}};
}

json KeyJson(const VendorKeyResult& k, double now) {
  json usage = json::object();
  for (const VendorUsageResult& u : k.usage)
    usage[u.period] = {{"used", u.used}, {"limit", u.limit}, {"ratio", u.limit > 0 ? json(u.used / u.limit) : json()}};
  return {{"key_id", k.key_id},
          {"active", k.active},
          {"created", k.created},
          {"age_days", (now - k.created) / 86400},
          {"expires", Opt(k.expiry)},
          {"days_to_expiry", k.expiry ? json((*k.expiry - now) / 86400) : json()},
          {"usage", usage}};
}

json Envelope(double now) { return {{"generated_at", now}}; }

}  // namespace

json L0HealthView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  json probes = json::object();
  for (const char* name : {"pipeline", "market_data", "ready_signal", "backups", "vendor_api"})
    probes[name] = ProbeState(board, name, now);
  out["probes"] = probes;
  out["pipeline"] = json();
  if (const auto* p = ResultOf<PipelineResult>(board, "pipeline")) {
    for (const LayerResult& l : p->layers)
      if (l.layer == "L0") out["pipeline"] = LayerJson(l, now);
    out["airflow"] = AirflowJson(*p, now);
  }
  json quality = json::array();
  if (const auto* m = ResultOf<MarketDataResult>(board, "market_data"))
    for (const SymbolResult& s : m->symbols) quality.push_back(SymbolJson(s, now));
  out["data_quality"] = quality;
  const auto* r = ResultOf<ReadySignalResult>(board, "ready_signal");
  out["ready_signal"] = r ? ReadySignalJson(*r, now) : json();
  out["backup"] = json();
  if (const auto* b = ResultOf<BackupsResult>(board, "backups"))
    for (const BackupLayerResult& l : b->layers)
      if (l.layer == "L0") out["backup"] = BackupLayerJson(l, now);
  json keys = json::array();
  if (const auto* v = ResultOf<VendorApiResult>(board, "vendor_api"))
    for (const VendorKeyResult& k : v->keys) keys.push_back(KeyJson(k, now));
  out["api_usage"] = keys;
  return out;
}

json PipelineHealthView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probe"] = ProbeState(board, "pipeline", now);
  json layers = json::array();
  if (const auto* p = ResultOf<PipelineResult>(board, "pipeline")) {
    for (const LayerResult& l : p->layers) layers.push_back(LayerJson(l, now));
    out["airflow"] = AirflowJson(*p, now);
  }
  out["layers"] = layers;
  return out;
}

json BackupStatusView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probe"] = ProbeState(board, "backups", now);
  json layers = json::array();
  if (const auto* b = ResultOf<BackupsResult>(board, "backups"))
    for (const BackupLayerResult& l : b->layers) layers.push_back(BackupLayerJson(l, now));
  out["layers"] = layers;
  return out;
}

json WebSocketStatusView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probes"] = {{"websocket", ProbeState(board, "websocket", now)},
                   {"ready_signal", ProbeState(board, "ready_signal", now)}};
  out["websocket"] = json();
  if (const auto* w = ResultOf<WebSocketResult>(board, "websocket"))
    out["websocket"] = {{"up", w->up},
                        {"handshake_seconds", Opt(w->handshake_seconds)},
                        {"first_message_seconds", Opt(w->first_message_seconds)},
                        {"connected_clients", Opt(w->connected_clients)},
                        {"last_message", Opt(w->last_message_timestamp)},
                        {"last_message_age_seconds", AgeOf(w->last_message_timestamp, now)},
                        {"messages_received_total", w->messages_received_total}};
  const auto* r = ResultOf<ReadySignalResult>(board, "ready_signal");
  out["ready_signal"] = r ? ReadySignalJson(*r, now) : json();
  return out;
}

json UsageMonitoringView(const BoardSnapshot& board, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probe"] = ProbeState(board, "vendor_api", now);
  json keys = json::array();
  if (const auto* v = ResultOf<VendorApiResult>(board, "vendor_api")) {
    out["provider"] = v->provider;
    for (const VendorKeyResult& k : v->keys) keys.push_back(KeyJson(k, now));
  }
  out["keys"] = keys;
  return out;
}

json AlertsSystemView(const BoardSnapshot& board, const AlertLifecycle& lifecycle, SysTime now_t) {
  const double now = ToUnixSeconds(now_t);
  json out = Envelope(now);
  out["probe"] = ProbeState(board, "alertmanager", now);
  out["alertmanager"] = json();
  if (const auto* am = ResultOf<AlertmanagerResult>(board, "alertmanager")) {
    json alerts = json::array();
    json counts = json::object();
    for (const AlertmanagerAlert& a : am->alerts) {
      json& n = counts[a.state][a.severity.empty() ? "none" : a.severity];
      n = n.is_number() ? n.get<int>() + 1 : 1;
      if (alerts.size() >= 200) continue;
      alerts.push_back({{"fingerprint", a.fingerprint}, {"alertname", a.alertname}, {"severity", a.severity},
                        {"component", a.component}, {"summary", a.summary}, {"state", a.state},
                        {"starts_at", a.starts_at}, {"firing_seconds", now - a.starts_at},
                        {"silenced_by", a.silenced_by}, {"inhibited_by", a.inhibited_by}, {"receivers", a.receivers}});
    }
    out["alertmanager"] = {{"alerts", alerts}, {"counts", counts},
                           {"receivers", am->receivers ? json(*am->receivers) : json()}};
    if (am->cluster)
      out["alertmanager"]["cluster"] = {{"status", am->cluster->status}, {"peers", am->cluster->peers},
                                        {"version", am->cluster->version}};
  }
  out["response"] = lifecycle.Summary();
  return out;
}

std::shared_ptr<const std::string> ViewText(const nlohmann::json& view) {
  return std::make_shared<const std::string>(view.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

std::shared_ptr<const std::string> ViewCache::Get() {
  const SysTime at = std::chrono::floor<std::chrono::milliseconds>(clock_.Now());
  // Read before the snapshot: results published in between make the next GET render again.
  const std::uint64_t generation = board_.generation();
  std::lock_guard lock(mu_);
  if (text_ && generation == generation_ && at == at_) return text_;
  text_ = ViewText(render_(board_.Snapshot(), at));
  generation_ = generation;
  at_ = at;
  return text_;
}

}  // namespace usdcop
