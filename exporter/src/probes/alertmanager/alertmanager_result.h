// What the Alertmanager probe found in one run: every alert Alertmanager holds, whatever its
// state, the receivers it is configured with and its cluster's status, as its API v2 reports
// them (api/v2/openapi.yaml: gettableAlert, receiver, alertmanagerStatus). The renderer reads it
// for usdcop_alerts_active; the control API for GET /api/alerts/system. A run that could not read
// the alerts has no result at all, so a result always holds the alerts of its run. Plain data.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace usdcop {

struct AlertmanagerAlert {
  std::string fingerprint;  // Alertmanager's hash of the label set: the alert's id in its API
  std::string alertname;    // label `alertname`; "" when absent
  std::string severity;     // label `severity`; "" when absent
  std::string component;    // label `component` (the project's rules set it); "" when absent
  std::string summary;      // annotation `summary`; "" when absent
  std::map<std::string, std::string> labels;  // the whole label set: what a silence's matchers match
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
  std::string status;     // cluster.status: "ready", "settling" or "disabled" (run without a cluster)
  std::string name;       // cluster.name: this peer's name; "" when disabled
  std::size_t peers = 0;  // cluster members it lists, itself included; 0 when disabled
  std::string version;    // versionInfo.version, e.g. "0.25.0"
};

struct AlertmanagerResult {
  std::vector<AlertmanagerAlert> alerts;  // every alert (active, suppressed, unprocessed), in the API's order
  // Names of the configured receivers (GET /api/v2/receivers); nullopt when that request failed
  // this run (the run's Status says why).
  std::optional<std::vector<std::string>> receivers;
  std::optional<AlertmanagerCluster> cluster;  // nullopt when GET /api/v2/status failed this run
};

}  // namespace usdcop
