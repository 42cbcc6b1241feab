// What Alertmanager's API v2 reports (api/v2/openapi.yaml): an alert as gettableAlert describes
// it, and the cluster's status (alertmanagerStatus). Plain data.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace usdcop {

struct AlertmanagerAlert {
  std::string fingerprint;  // Alertmanager's hash of the label set: the alert's id in its API
  std::string alertname;    // label `alertname`; "" when absent
  std::string severity;     // label `severity`; "" when absent
  std::string component;    // label `component` (the project's rules set it); "" when absent
  std::string summary;      // annotation `summary`; "" when absent
  std::string runbook_url;  // annotation `runbook_url`; "" when absent
  std::map<std::string, std::string>
      labels;  // the whole label set: what a silence's matchers match
  // status.state as Alertmanager says it: "active" (firing, neither silenced nor inhibited:
  // notifications go out), "suppressed" (silenced or inhibited; see silenced_by and
  // inhibited_by) or "unprocessed" (received, not yet through the routing).
  std::string state;
  double starts_at = 0;                   // Unix seconds: when it started firing (startsAt)
  std::vector<std::string> silenced_by;   // ids of the silences that mute it
  std::vector<std::string> inhibited_by;  // fingerprints of the firing alerts that inhibit it
  std::vector<std::string> receivers;     // names of the receivers its route sends it to
};

// GET /api/v2/status: the gossip cluster as this Alertmanager sees it, and its version.
struct AlertmanagerCluster {
  std::string status;  // cluster.status: "ready", "settling" or "disabled" (run without a cluster)
  std::string name;    // cluster.name: this peer's name; "" when disabled
  std::size_t peers = 0;  // cluster members it lists, itself included; 0 when disabled
  std::string version;    // versionInfo.version, e.g. "0.25.0"
};

}  // namespace usdcop
