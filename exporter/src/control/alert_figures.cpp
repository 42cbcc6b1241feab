#include "control/alert_figures.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

namespace usdcop {
namespace {

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

void AddHistogram(SecondsHistogram& into, const SecondsHistogram& h) {
  for (size_t i = 0; i < into.counts.size() && i < h.counts.size(); ++i)
    into.counts[i] += h.counts[i];
  into.count += h.count;
  into.sum += h.sum;
}

bool NameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

}  // namespace

void SecondsHistogram::Observe(double seconds) {
  for (size_t i = 0; i < std::size(kBounds); ++i)
    if (seconds <= kBounds[i]) counts[i]++;
  count++;
  sum += seconds;
}

bool IsAlertName(const std::string& name) {
  if (name.empty() || name.size() > AlertFigures::kMaxAlertnameLength || !NameStart(name[0]))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return NameStart(c) || (c >= '0' && c <= '9'); });
}

AlertFigures::AlertFigures() : severities_{"critical", "warning", "info"} {}

size_t AlertFigures::SetSeverities(std::vector<std::string> severities) {
  if (severities == severities_) return 0;
  severities_ = std::move(severities);
  return Fold();
}

std::string AlertFigures::AlertnameLabel(const std::string& alertname) {
  if (alertnames_.count(alertname)) return alertname;
  if (alertname == kOther) return kOther;
  if (IsAlertName(alertname) && alertnames_.size() < kMaxAlertnames) {
    alertnames_.insert(alertname);
    return alertname;
  }
  folded_.alertnames++;
  if (folded_.example_alertname.empty()) folded_.example_alertname = alertname.substr(0, 64);
  return kOther;
}

std::string AlertFigures::SeverityLabel(const std::string& severity) const {
  return std::find(severities_.begin(), severities_.end(), severity) != severities_.end() ? severity
                                                                                          : kOther;
}

void AlertFigures::CountNotification(const std::string& alertname, const std::string& severity,
                                     const std::string& status) {
  std::string label = SeverityLabel(severity);
  if (label == kOther && severity != kOther) {
    folded_.severities++;
    if (folded_.example_severity.empty())
      folded_.example_severity = severity.empty() ? "(none)" : severity.substr(0, 64);
  }
  stats_.notifications[{AlertnameLabel(alertname), label, status}]++;
}

void AlertFigures::ObserveResolution(const std::string& severity, double seconds) {
  stats_.resolution[SeverityLabel(severity)].Observe(seconds);
}

void AlertFigures::ObserveAcknowledgement(const std::string& severity, double seconds) {
  stats_.acknowledgement[SeverityLabel(severity)].Observe(seconds);
}

AlertFigures::Folded AlertFigures::TakeFolded() { return std::exchange(folded_, Folded{}); }

nlohmann::json AlertFigures::ToJson() const {
  nlohmann::json notifications = nlohmann::json::array();
  for (const auto& [labels, n] : stats_.notifications)
    notifications.push_back({std::get<0>(labels), std::get<1>(labels), std::get<2>(labels), n});
  nlohmann::json resolution = nlohmann::json::object(), ack = nlohmann::json::object();
  for (const auto& [severity, h] : stats_.resolution) resolution[severity] = HistogramJson(h);
  for (const auto& [severity, h] : stats_.acknowledgement) ack[severity] = HistogramJson(h);
  return {{"notifications", notifications}, {"resolution", resolution}, {"acknowledgement", ack}};
}

size_t AlertFigures::Load(const nlohmann::json& j) {
  if (!j.is_object()) return 0;
  const nlohmann::json& notifications =
      j.contains("notifications") ? j["notifications"] : nlohmann::json();
  if (notifications.is_array())
    for (const nlohmann::json& n : notifications)
      if (n.is_array() && n.size() == 4 && n[0].is_string() && n[1].is_string() &&
          n[2].is_string() && n[3].is_number_unsigned())
        stats_.notifications[{n[0].get<std::string>(), n[1].get<std::string>(),
                              n[2].get<std::string>()}] += n[3].get<std::uint64_t>();
  for (const char* part : {"resolution", "acknowledgement"}) {
    if (!j.contains(part) || !j[part].is_object()) continue;
    auto& into =
        std::string_view(part) == "resolution" ? stats_.resolution : stats_.acknowledgement;
    for (auto it = j[part].begin(); it != j[part].end(); ++it)
      AddHistogram(into[it.key()], HistogramFrom(it.value()));
  }
  return Fold();
}

size_t AlertFigures::Fold() {
  size_t moved = 0;
  // Figures of an earlier run over the cap keep the names with the most notifications.
  std::map<std::string, std::uint64_t> totals;
  for (const auto& [labels, n] : stats_.notifications)
    if (std::get<0>(labels) != kOther && IsAlertName(std::get<0>(labels)))
      totals[std::get<0>(labels)] += n;
  std::vector<std::pair<std::string, std::uint64_t>> ranked(totals.begin(), totals.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (ranked.size() > kMaxAlertnames) ranked.resize(kMaxAlertnames);
  alertnames_.clear();
  for (const auto& [name, n] : ranked) alertnames_.insert(name);
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> notifications;
  for (const auto& [labels, n] : stats_.notifications) {
    const std::string& name = std::get<0>(labels);
    std::tuple<std::string, std::string, std::string> to{alertnames_.count(name) ? name : kOther,
                                                         SeverityLabel(std::get<1>(labels)),
                                                         std::get<2>(labels)};
    moved += to != labels;
    notifications[to] += n;
  }
  stats_.notifications = std::move(notifications);
  for (auto* by_severity : {&stats_.resolution, &stats_.acknowledgement}) {
    std::map<std::string, SecondsHistogram> folded;
    for (const auto& [severity, h] : *by_severity) {
      moved += SeverityLabel(severity) != severity;
      AddHistogram(folded[SeverityLabel(severity)], h);
    }
    *by_severity = std::move(folded);
  }
  return moved;
}

}  // namespace usdcop
