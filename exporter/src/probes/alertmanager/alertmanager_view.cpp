// The Alertmanager probe's result as the control API shows it: at most 200 alerts, with the
// counts of all of them by state and severity.
#include <nlohmann/json.hpp>

#include "probes/alertmanager/alertmanager_kind.h"

namespace usdcop {

using nlohmann::json;

json AlertmanagerKind::View(const AlertmanagerResult& result, double now) {
  json alerts = json::array();
  json counts = json::object();
  for (const AlertmanagerAlert& a : result.alerts) {
    json& n = counts[a.state][a.severity.empty() ? "none" : a.severity];
    n = n.is_number() ? n.get<int>() + 1 : 1;
    if (alerts.size() >= 200) continue;
    alerts.push_back({{"fingerprint", a.fingerprint},
                      {"alertname", a.alertname},
                      {"severity", a.severity},
                      {"component", a.component},
                      {"summary", a.summary},
                      {"state", a.state},
                      {"starts_at", a.starts_at},
                      {"firing_seconds", now - a.starts_at},
                      {"silenced_by", a.silenced_by},
                      {"inhibited_by", a.inhibited_by},
                      {"receivers", a.receivers}});
  }
  json out = {{"alerts", alerts},
              {"counts", counts},
              {"receivers", result.receivers ? json(*result.receivers) : json()}};
  if (result.cluster)
    out["cluster"] = {{"status", result.cluster->status},
                      {"peers", result.cluster->peers},
                      {"version", result.cluster->version}};
  return out;
}

}  // namespace usdcop
