// How to reach Alertmanager's API v2: its URL, CA bundle and basic auth.
#pragma once

#include <string>

#include "common/secret.h"

namespace usdcop {

struct AlertmanagerConfig {
  std::string url;       // http(s) base URL (with any --web.route-prefix), without a trailing slash
  std::string ca_file;   // https://: trust this PEM bundle; "" = the system's store
  std::string username;  // basic auth; "" = none
  Secret password;       // set exactly when username is
};

}  // namespace usdcop
