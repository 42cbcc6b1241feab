#include "control/alert_lifecycle.h"

#include <cstdio>

namespace usdcop {
namespace {

constexpr const char* kEpisodes = "alert_episodes";
constexpr const char* kFigures = "alert_figures";
constexpr double kKeepResolved = 7 * 86400;  // resolved episodes are forgotten after this
constexpr size_t kMaxEpisodes = 10000;

nlohmann::json HistogramJson(const SecondsHistogram& h) {
  return {{"counts", h.counts}, {"count", h.count}, {"sum", h.sum}};
}

SecondsHistogram HistogramFrom(const nlohmann::json& j) {
  SecondsHistogram h;
  auto counts = j.value("counts", std::vector<std::uint64_t>{});
  if (counts.size() == h.counts.size()) h.counts = counts;
  h.count = j.value("count", std::uint64_t{0});
  h.sum = j.value("sum", 0.0);
  return h;
}

nlohmann::json EpisodeJson(const AlertEpisode& e) {
  nlohmann::json j = {{"fingerprint", e.fingerprint}, {"alertname", e.alertname}, {"severity", e.severity},
                      {"starts_at", e.starts_at}, {"acknowledged_by", e.acknowledged_by},
                      {"silence_id", e.silence_id}};
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
  if (j.contains("resolved_at") && j["resolved_at"].is_number()) e.resolved_at = j["resolved_at"].get<double>();
  if (j.contains("acknowledged_at") && j["acknowledged_at"].is_number())
    e.acknowledged_at = j["acknowledged_at"].get<double>();
  if (e.fingerprint.empty()) return std::nullopt;
  return e;
}

std::string Label(const nlohmann::json& alert, const char* name) {
  if (!alert.contains("labels") || !alert["labels"].is_object()) return "";
  auto it = alert["labels"].find(name);
  return it != alert["labels"].end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

void SecondsHistogram::Observe(double seconds) {
  for (size_t i = 0; i < std::size(kBounds); ++i)
    if (seconds <= kBounds[i]) counts[i]++;
  count++;
  sum += seconds;
}

std::string AlertEpisode::key() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", starts_at);
  return fingerprint + "@" + buf;
}

Status AlertLifecycle::Load() {
  auto rows = store_.List(kEpisodes);
  if (!rows.ok()) return rows.status();
  auto figures = store_.Get(kFigures, "all");
  if (!figures.ok()) return figures.status();
  std::lock_guard lock(mu_);
  for (const auto& [key, value] : *rows)
    if (auto e = EpisodeFrom(nlohmann::json::parse(value, nullptr, false))) episodes_[e->key()] = std::move(*e);
  if (*figures) {
    nlohmann::json j = nlohmann::json::parse(**figures, nullptr, false);
    if (j.is_object()) {
      const nlohmann::json& notifications = j["notifications"];
      if (notifications.is_array())
        for (const nlohmann::json& n : notifications)
          if (n.is_array() && n.size() == 4 && n[0].is_string() && n[1].is_string() && n[2].is_string() &&
              n[3].is_number_unsigned())
            figures_.notifications[{n[0].get<std::string>(), n[1].get<std::string>(), n[2].get<std::string>()}] =
                n[3].get<std::uint64_t>();
      for (const char* part : {"resolution", "acknowledgement"}) {
        const nlohmann::json& by_severity = j[part];
        if (!by_severity.is_object()) continue;
        auto& into = std::string_view(part) == "resolution" ? figures_.resolution : figures_.acknowledgement;
        for (auto it = by_severity.begin(); it != by_severity.end(); ++it) into[it.key()] = HistogramFrom(it.value());
      }
    }
  }
  generation_++;
  return Status::Ok();
}

ActionResult AlertLifecycle::Ingest(const nlohmann::json& payload) {
  auto alerts = payload.find("alerts");
  if (alerts == payload.end() || !alerts->is_array())
    return {400, {{"error", "not an Alertmanager webhook payload: alerts must be a list"}, {"field", "alerts"}},
            "not a webhook payload"};
  int firing = 0, resolved = 0, measured = 0;
  std::lock_guard lock(mu_);
  for (const nlohmann::json& a : *alerts) {
    if (!a.is_object()) continue;
    const std::string status = a.value("status", "");
    const std::string fingerprint = a.value("fingerprint", "");
    auto starts = ParseTimestamp(a.value("startsAt", ""));
    if ((status != "firing" && status != "resolved") || fingerprint.empty() || !starts) continue;
    AlertEpisode e;
    e.fingerprint = fingerprint;
    e.alertname = Label(a, "alertname");
    e.severity = Label(a, "severity");
    e.starts_at = ToUnixSeconds(*starts);
    figures_.notifications[{e.alertname, e.severity, status}]++;
    auto [it, fresh] = episodes_.try_emplace(e.key(), e);
    AlertEpisode& ep = it->second;
    if (status == "firing") {
      firing++;
      if (fresh) Save(ep);
      continue;
    }
    resolved++;
    if (ep.resolved_at) continue;  // a repeat of a resolution already measured
    auto ends = ParseTimestamp(a.value("endsAt", ""));
    ep.resolved_at = ends ? ToUnixSeconds(*ends) : ToUnixSeconds(clock_.Now());
    figures_.resolution[ep.severity].Observe(std::max(0.0, *ep.resolved_at - ep.starts_at));
    measured++;
    Save(ep);
  }
  Prune(ToUnixSeconds(clock_.Now()));
  SaveFigures();
  generation_++;
  std::string summary = std::to_string(firing) + " firing, " + std::to_string(resolved) + " resolved";
  return {200, {{"firing", firing}, {"resolved", resolved}, {"resolutions_measured", measured}}, summary};
}

void AlertLifecycle::Acknowledge(const AlertEpisode& alert, const std::string& by, const std::string& silence_id) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = episodes_.try_emplace(alert.key(), alert);
  AlertEpisode& ep = it->second;
  if (!ep.acknowledged_at) {
    ep.acknowledged_at = ToUnixSeconds(clock_.Now());
    figures_.acknowledgement[ep.severity].Observe(std::max(0.0, *ep.acknowledged_at - ep.starts_at));
  }
  ep.acknowledged_by = by;
  ep.silence_id = silence_id;
  Save(ep);
  SaveFigures();
  generation_++;
  (void)fresh;
}

std::vector<AlertEpisode> AlertLifecycle::Acknowledged(const std::string& fingerprint,
                                                       const std::string& alertname) const {
  std::lock_guard lock(mu_);
  std::vector<AlertEpisode> out;
  for (const auto& [key, e] : episodes_)
    if (!e.silence_id.empty() && (fingerprint.empty() || e.fingerprint == fingerprint) &&
        (alertname.empty() || e.alertname == alertname))
      out.push_back(e);
  return out;
}

void AlertLifecycle::SilenceExpired(const std::string& episode_key) {
  std::lock_guard lock(mu_);
  auto it = episodes_.find(episode_key);
  if (it == episodes_.end()) return;
  it->second.silence_id.clear();
  Save(it->second);
  generation_++;
}

ControlStats AlertLifecycle::Figures() const {
  std::lock_guard lock(mu_);
  return figures_;
}

std::uint64_t AlertLifecycle::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

nlohmann::json AlertLifecycle::Summary() const {
  std::lock_guard lock(mu_);
  auto mean = [](const std::map<std::string, SecondsHistogram>& by_severity) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [severity, h] : by_severity)
      out[severity.empty() ? "none" : severity] = {{"count", h.count},
                                                   {"mean_seconds", h.count ? h.sum / h.count : 0.0}};
    return out;
  };
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& [key, e] : episodes_) recent.push_back(EpisodeJson(e));
  std::uint64_t received = 0;
  for (const auto& [labels, n] : figures_.notifications) received += n;
  return {{"notifications_received", received},
          {"mttr", mean(figures_.resolution)},
          {"time_to_acknowledge", mean(figures_.acknowledgement)},
          {"episodes", std::move(recent)}};
}

void AlertLifecycle::Save(const AlertEpisode& e) {
  Status s = store_.Put(kEpisodes, e.key(), EpisodeJson(e).dump());
  if (!s.ok()) log_.Error("cannot save an alert episode", {{"err", s.message()}});
}

void AlertLifecycle::SaveFigures() {
  nlohmann::json notifications = nlohmann::json::array();
  for (const auto& [labels, n] : figures_.notifications)
    notifications.push_back({std::get<0>(labels), std::get<1>(labels), std::get<2>(labels), n});
  nlohmann::json resolution = nlohmann::json::object(), ack = nlohmann::json::object();
  for (const auto& [severity, h] : figures_.resolution) resolution[severity] = HistogramJson(h);
  for (const auto& [severity, h] : figures_.acknowledgement) ack[severity] = HistogramJson(h);
  Status s = store_.Put(kFigures, "all",
                        nlohmann::json{{"notifications", notifications}, {"resolution", resolution},
                                       {"acknowledgement", ack}}
                            .dump());
  if (!s.ok()) log_.Error("cannot save the alert figures", {{"err", s.message()}});
}

void AlertLifecycle::Prune(double now) {
  for (auto it = episodes_.begin(); it != episodes_.end();) {
    const AlertEpisode& e = it->second;
    bool old = (e.resolved_at && now - *e.resolved_at > kKeepResolved && e.silence_id.empty()) ||
               (!e.resolved_at && now - e.starts_at > 4 * kKeepResolved);
    if (old || episodes_.size() > kMaxEpisodes) {
      (void)store_.Delete(kEpisodes, it->first);
      it = episodes_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace usdcop
