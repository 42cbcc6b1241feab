#include "control/alert_lifecycle.h"

#include <cstdio>

namespace usdcop {
namespace {

constexpr const char* kEpisodes = "alert_episodes";
constexpr const char* kFigures = "alert_figures";
constexpr double kKeepResolved = 7 * 86400;     // resolved episodes are forgotten after this
constexpr double kKeepUnresolved = 28 * 86400;  // and those whose resolution never came after this
constexpr size_t kMaxEpisodeText = 256;         // an episode keeps this much of a name or severity

nlohmann::json EpisodeJson(const AlertEpisode& e) {
  nlohmann::json j = {{"fingerprint", e.fingerprint},
                      {"alertname", e.alertname},
                      {"severity", e.severity},
                      {"starts_at", e.starts_at},
                      {"acknowledged_by", e.acknowledged_by},
                      {"silence_id", e.silence_id}};
  if (e.silence_ends_at) j["silence_ends_at"] = *e.silence_ends_at;
  j["resolved_at"] = e.resolved_at ? nlohmann::json(*e.resolved_at) : nlohmann::json();
  j["acknowledged_at"] = e.acknowledged_at ? nlohmann::json(*e.acknowledged_at) : nlohmann::json();
  return j;
}

std::optional<AlertEpisode> EpisodeFrom(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  AlertEpisode e;
  e.fingerprint = j.value("fingerprint", "");
  e.alertname = j.value("alertname", "");
  e.severity = j.value("severity", "");
  e.starts_at = j.value("starts_at", 0.0);
  e.acknowledged_by = j.value("acknowledged_by", "");
  e.silence_id = j.value("silence_id", "");
  if (j.contains("resolved_at") && j["resolved_at"].is_number())
    e.resolved_at = j["resolved_at"].get<double>();
  if (j.contains("acknowledged_at") && j["acknowledged_at"].is_number())
    e.acknowledged_at = j["acknowledged_at"].get<double>();
  if (j.contains("silence_ends_at") && j["silence_ends_at"].is_number())
    e.silence_ends_at = j["silence_ends_at"].get<double>();
  if (e.fingerprint.empty()) return std::nullopt;
  return e;
}

// A string field of `object`, cut to kMaxEpisodeText; "" when absent or not a string.
std::string TextOf(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>().substr(0, kMaxEpisodeText)
                                               : "";
}

std::string Label(const nlohmann::json& alert, const char* name) {
  return alert.contains("labels") && alert["labels"].is_object() ? TextOf(alert["labels"], name)
                                                                 : "";
}

}  // namespace

std::string AlertEpisode::key() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", starts_at);
  return fingerprint + "@" + buf;
}

bool AlertEpisode::OpenAcknowledgement(double now) const {
  return !silence_id.empty() && (!silence_ends_at || *silence_ends_at > now);
}

void AlertLifecycle::SetSeverities(std::vector<std::string> severities) {
  MutexLock lock(mu_);
  if (figures_.SetSeverities(std::move(severities)) == 0)
    return;  // before Load: nothing to fold, nothing to save
  SaveFigures();
  generation_++;
}

Status AlertLifecycle::Load() {
  auto rows = store_.List(kEpisodes);
  if (!rows.ok()) return rows.status();
  auto figures = store_.Get(kFigures, "all");
  if (!figures.ok()) return figures.status();
  MutexLock lock(mu_);
  for (const auto& [key, value] : *rows)
    if (auto e = EpisodeFrom(nlohmann::json::parse(value, nullptr, false)))
      episodes_[e->key()] = std::move(*e);
  const size_t kept = episodes_.size();
  Prune(ToUnixSeconds(clock_.Now()));
  size_t folded = 0;
  if (*figures) folded = figures_.Load(nlohmann::json::parse(**figures, nullptr, false));
  if (folded > 0 || kept > episodes_.size()) {
    log_.Warn(
        "alert figures and episodes kept by an earlier run were over their bounds: folded into "
        "other, pruned",
        {{"series_folded", std::to_string(folded)},
         {"episodes_pruned", std::to_string(kept - episodes_.size())}});
    SaveFigures();
  }
  generation_++;
  return Status::Ok();
}

ActionResult AlertLifecycle::Ingest(const nlohmann::json& payload) {
  auto alerts = payload.find("alerts");
  if (alerts == payload.end() || !alerts->is_array())
    return {400,
            {{"error", "not an Alertmanager webhook payload: alerts must be a list"},
             {"field", "alerts"}},
            "not a webhook payload"};
  int firing = 0, resolved = 0, measured = 0;
  MutexLock lock(mu_);
  for (const nlohmann::json& a : *alerts) {
    if (!a.is_object()) continue;
    const std::string status = TextOf(a, "status");
    const std::string fingerprint = TextOf(a, "fingerprint");
    auto starts = ParseTimestamp(TextOf(a, "startsAt"));
    if ((status != "firing" && status != "resolved") || fingerprint.empty() || !starts) continue;
    AlertEpisode e;
    e.fingerprint = fingerprint;
    e.alertname = Label(a, "alertname");
    e.severity = Label(a, "severity");
    e.starts_at = ToUnixSeconds(*starts);
    figures_.CountNotification(e.alertname, e.severity, status);
    auto [it, fresh] = episodes_.try_emplace(e.key(), e);
    AlertEpisode& ep = it->second;
    if (status == "firing") {
      firing++;
      if (fresh) Save(ep);
      continue;
    }
    resolved++;
    if (ep.resolved_at) continue;  // a repeat of a resolution already measured
    auto ends = ParseTimestamp(TextOf(a, "endsAt"));
    ep.resolved_at = ends ? ToUnixSeconds(*ends) : ToUnixSeconds(clock_.Now());
    figures_.ObserveResolution(ep.severity, std::max(0.0, *ep.resolved_at - ep.starts_at));
    measured++;
    Save(ep);
  }
  Prune(ToUnixSeconds(clock_.Now()));
  ReportFolded(ToUnixSeconds(clock_.Now()));
  SaveFigures();
  generation_++;
  std::string summary =
      std::to_string(firing) + " firing, " + std::to_string(resolved) + " resolved";
  return {200,
          {{"firing", firing}, {"resolved", resolved}, {"resolutions_measured", measured}},
          summary};
}

void AlertLifecycle::Acknowledge(const AlertEpisode& alert, const std::string& by,
                                 const std::string& silence_id, double silence_ends_at) {
  MutexLock lock(mu_);
  auto [it, fresh] = episodes_.try_emplace(alert.key(), alert);
  AlertEpisode& ep = it->second;
  if (!ep.acknowledged_at) {
    ep.acknowledged_at = ToUnixSeconds(clock_.Now());
    figures_.ObserveAcknowledgement(ep.severity, std::max(0.0, *ep.acknowledged_at - ep.starts_at));
  }
  ep.acknowledged_by = by;
  ep.silence_id = silence_id;
  ep.silence_ends_at = silence_ends_at;
  Save(ep);
  SaveFigures();
  generation_++;
  (void)fresh;
}

std::vector<AlertEpisode> AlertLifecycle::Acknowledged(const std::string& fingerprint,
                                                       const std::string& alertname) const {
  MutexLock lock(mu_);
  std::vector<AlertEpisode> out;
  for (const auto& [key, e] : episodes_)
    if (!e.silence_id.empty() && (fingerprint.empty() || e.fingerprint == fingerprint) &&
        (alertname.empty() || e.alertname == alertname))
      out.push_back(e);
  return out;
}

void AlertLifecycle::SilenceExpired(const std::string& episode_key) {
  MutexLock lock(mu_);
  auto it = episodes_.find(episode_key);
  if (it == episodes_.end()) return;
  it->second.silence_id.clear();
  Save(it->second);
  generation_++;
}

ControlStats AlertLifecycle::Figures() const {
  MutexLock lock(mu_);
  return figures_.stats();
}

std::uint64_t AlertLifecycle::generation() const {
  MutexLock lock(mu_);
  return generation_;
}

nlohmann::json AlertLifecycle::Summary() const {
  MutexLock lock(mu_);
  auto mean = [](const std::map<std::string, SecondsHistogram>& by_severity) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [severity, h] : by_severity)
      out[severity.empty() ? "none" : severity] = {
          {"count", h.count}, {"mean_seconds", h.count ? h.sum / h.count : 0.0}};
    return out;
  };
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& [key, e] : episodes_) recent.push_back(EpisodeJson(e));
  std::uint64_t received = 0;
  for (const auto& [labels, n] : figures_.stats().notifications) received += n;
  return {{"notifications_received", received},
          {"mttr", mean(figures_.stats().resolution)},
          {"time_to_acknowledge", mean(figures_.stats().acknowledgement)},
          {"episodes", std::move(recent)}};
}

void AlertLifecycle::Save(const AlertEpisode& e) {
  Status s = store_.Put(kEpisodes, e.key(), EpisodeJson(e).dump());
  if (!s.ok()) log_.Error("cannot save an alert episode", {{"err", s.message()}});
}

void AlertLifecycle::SaveFigures() {
  Status s = store_.Put(kFigures, "all", figures_.ToJson().dump());
  if (!s.ok()) log_.Error("cannot save the alert figures", {{"err", s.message()}});
}

AlertLifecycle::Episodes::iterator AlertLifecycle::Forget(Episodes::iterator it) {
  (void)store_.Delete(kEpisodes, it->first);
  return episodes_.erase(it);
}

void AlertLifecycle::Prune(double now) {
  for (auto it = episodes_.begin(); it != episodes_.end();) {
    const AlertEpisode& e = it->second;
    const bool old =
        e.resolved_at ? now - *e.resolved_at > kKeepResolved : now - e.starts_at > kKeepUnresolved;
    it = old && !e.OpenAcknowledgement(now) ? Forget(it) : std::next(it);
  }
  if (episodes_.size() <= kMaxEpisodes) return;
  // Over the cap: the oldest resolved episodes go first, then the oldest firing ones (a resolution
  // that comes later is still measured from its startsAt); never one with an open acknowledgement.
  std::vector<std::tuple<bool, double, std::string>>
      candidates;  // (firing, resolved or started, key)
  for (const auto& [key, e] : episodes_)
    if (!e.OpenAcknowledgement(now))
      candidates.emplace_back(!e.resolved_at, e.resolved_at.value_or(e.starts_at), key);
  std::sort(candidates.begin(), candidates.end());
  for (size_t i = 0; i < candidates.size() && episodes_.size() > kMaxEpisodes; ++i)
    Forget(episodes_.find(std::get<2>(candidates[i])));
}

void AlertLifecycle::ReportFolded(double now) {
  const AlertFigures::Folded& f = figures_.folded();
  if (f.alertnames + f.severities == 0 || (last_fold_report_ && now - *last_fold_report_ < 60))
    return;
  last_fold_report_ = now;
  AlertFigures::Folded taken = figures_.TakeFolded();
  log_.Warn(
      "webhook alerts counted under \"other\": alert names must look like metric names "
      "([a-zA-Z_][a-zA-Z0-9_]*, "
      "at most 128 characters) and are kept for the first 500; severities must be in "
      "control.alert_severities",
      {{"alertnames", std::to_string(taken.alertnames)},
       {"severities", std::to_string(taken.severities)},
       {"example_alertname", taken.example_alertname},
       {"example_severity", taken.example_severity}});
}

}  // namespace usdcop
