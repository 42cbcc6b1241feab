// probes.backups's settings: each layer's backup root, cadence and retention.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/units.h"

namespace usdcop {

// A layer's backups: a directory of sets named by UTC time (YYYYMMDD_HHMMSS/), one per cadence.
struct BackupLayerConfig {
  std::string layer;  // the `layer` label
  std::string path;   // the layer's backup root (absolute)
  Duration cadence = std::chrono::hours(6);
  Duration retention = std::chrono::hours(24 * 30);
  bool trading_days_only = false;  // periods starting on a day without a session are not expected
  // The allowed age of the newest set (usdcop_backup_max_age_seconds, BackupTooOld's threshold);
  // zero: the cadence.
  Duration max_age{0};
};

struct BackupsProbeConfig {
  Duration interval = std::chrono::minutes(5);
  Duration timeout = std::chrono::minutes(4);
  std::uint64_t max_bytes_per_second = 200ull << 20;    // hashing budget; 0 = none
  Duration full_reverify = std::chrono::hours(24 * 7);  // hash unchanged files again this often
  std::vector<BackupLayerConfig> layers;
};

}  // namespace usdcop
