// What the Alertmanager probe found in one run: every alert Alertmanager holds, whatever its
// state, the receivers it is configured with and its cluster's status, as its API v2 reports
// them (api/v2/openapi.yaml: gettableAlert, receiver, alertmanagerStatus). The renderer reads it
// for usdcop_alerts_active; the control API for GET /api/alerts/system. A run that could not read
// the alerts has no result at all, so a result always holds the alerts of its run. Plain data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sources/alertmanager_alert.h"

namespace usdcop {

struct AlertmanagerResult {
  std::vector<AlertmanagerAlert>
      alerts;  // every alert (active, suppressed, unprocessed), in the API's order
  // Names of the configured receivers (GET /api/v2/receivers); nullopt when that request failed
  // this run (the run's Status says why).
  std::optional<std::vector<std::string>> receivers;
  std::optional<AlertmanagerCluster> cluster;  // nullopt when GET /api/v2/status failed this run
};

}  // namespace usdcop
