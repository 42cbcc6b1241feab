// probes.vendor_api's settings: the vendor's usage API and its keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/units.h"

namespace usdcop {

// One API key of the vendor. Dates are 00:00 UTC of the day the config names.
struct VendorKeyConfig {
  std::string id;  // the `key_id` label
  Secret key;      // from key_file or key_env
  SysTime created;
  std::optional<SysTime> expires;
};

// The vendor's usage API, asked once per key per run (Twelve Data's /api_usage).
struct VendorApiProbeConfig {
  Duration interval = std::chrono::seconds(60);
  Duration timeout = std::chrono::seconds(10);
  Duration backoff =
      std::chrono::minutes(5);          // a rate-limited key is not asked again for this long
  std::string provider = "twelvedata";  // the `provider` label
  std::string url = "https://api.twelvedata.com";  // without a trailing slash
  std::vector<VendorKeyConfig> keys;
  std::string active_key;       // an id of `keys`, or
  std::string active_key_file;  // a file the pipeline writes, holding one; both "": none active
};

}  // namespace usdcop
