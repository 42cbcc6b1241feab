// What the backup probe found, per layer: the backup sets present, the newest one checked
// against its manifest, and the holes in the cadence. Plain data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backup/verify.h"

namespace usdcop {

struct BackupLayerResult {
  std::string layer;
  double max_age_seconds = 0;  // the configured allowed age of the newest set
  bool listed = false;         // the layer's directory could be read (the other figures need it)
  bool present = false;        // at least one complete set (one with a manifest)
  std::optional<double> newest_timestamp;  // Unix seconds, from the newest set's name
  std::optional<double> oldest_timestamp;
  std::optional<std::uint64_t> newest_size_bytes;  // the listed files found in the newest set
  std::optional<std::uint64_t> newest_files;       // files its manifest lists
  // The newest set's integrity: set once its check completed, or earlier when failures showed.
  std::optional<bool> integrity_ok;
  std::array<std::uint64_t, kAllIntegrityReasons.size()> failures{};  // by IntegrityReason
  std::int64_t gaps = 0;  // expected periods without a complete set, within the retention window
  double verified_bytes_total = 0;          // bytes hashed, ever (kept across restarts)
  std::optional<double> last_verification;  // when a check of the newest set last completed
};

struct BackupsResult {
  std::vector<BackupLayerResult> layers;
};

}  // namespace usdcop
