// probes.alertmanager's settings: Alertmanager's API v2.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/units.h"

namespace usdcop {

// Alertmanager's API v2: every alert it holds (with its state), its receivers and its cluster
// status, read each run (GET /api/v2/alerts, /api/v2/receivers, /api/v2/status).
struct AlertmanagerProbeConfig {
  Duration interval = std::chrono::seconds(30);
  Duration timeout = std::chrono::seconds(10);  // for the run's three requests together
  std::string url;       // http(s) base URL (with any --web.route-prefix), without a trailing slash
  std::string ca_file;   // https://: trust this PEM bundle; "" = the system's store
  std::string username;  // basic auth (Alertmanager's web config or a proxy); "" = none
  Secret password;       // from password_file / password_env; set exactly when username is
};

}  // namespace usdcop
