// The backup probe: per layer, the directory of backup sets named by UTC time
// (YYYYMMDD_HHMMSS/), each with its manifest (manifest.json or SHA256SUMS). It finds the sets,
// checks the newest one file by file against its manifest (SetVerifier, with the verification
// cache in the state store and a bytes-per-second budget shared by all layers), and counts the
// cadence periods without a set, from the oldest set kept (within the retention window) to the
// last period that has ended; with trading_days_only, only periods starting on a trading day.
// Periods are aligned to multiples of the cadence since the Unix epoch (UTC).
//
// A check cut short by the deadline or the budget saves its digests and carries on next run;
// until it completes the layer's integrity is published only if failures already showed, and the
// run fails with reason timeout. An unreadable layer directory fails the run (reason io) and
// publishes usdcop_backup_present 0 for it. Not thread-safe: the scheduler runs one Run() at a
// time.
#pragma once

#include <map>
#include <memory>

#include "backup/verify.h"
#include "backup/verify_cache.h"
#include "calendar/trading_calendar.h"
#include "common/sha256.h"
#include "probes/backups/backups_config.h"
#include "probes/probe.h"
#include "store/state_store.h"

namespace usdcop {

class BackupsProbe final : public Probe {
 public:
  BackupsProbe(BackupsProbeConfig config, std::shared_ptr<const TradingCalendar> calendar,
               StateStore& store, const Clock& clock, Logger& log);
  ProbeOutcome Run(const ProbeContext& ctx) override;

 private:
  struct LayerState {
    std::unique_ptr<SetVerifier> verifier;
    double verified_bytes_total = 0;
    bool loaded = false;  // verified_bytes_total read from the store
    std::string last_verified_set;
    std::optional<double> last_verification;
    std::string logged_findings;  // the newest set and its failures, as last logged
  };
  Status RunLayer(const BackupLayerConfig& layer, const ProbeContext& ctx, BackupLayerResult& out);
  std::int64_t Gaps(const BackupLayerConfig& layer, const std::vector<double>& complete_sets,
                    double now) const;

  const BackupsProbeConfig config_;
  const std::shared_ptr<const TradingCalendar> calendar_;
  StateStore& store_;
  StateStoreVerifyCache cache_;
  const Clock& clock_;
  Logger& log_;
  std::unique_ptr<ByteRateLimiter> limiter_;  // null: no budget
  std::map<std::string, LayerState> layers_;  // by layer name
};

}  // namespace usdcop
