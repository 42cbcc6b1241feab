// The simulated backup job: for each configured layer, a directory of backup sets (see
// backup_set.h) under the backups root, DIR/l0 for L0 and so on. A background thread writes one
// set per layer at every cadence boundary (multiples of the cadence since the Unix epoch, UTC),
// named by that boundary's time, then deletes the layer's sets older than the retention. At
// start (Init) it removes temporary directories a crash left, prunes, and backfills: the
// missing sets of the most recent past periods, named by their period's time, so a restart does
// not duplicate them. A write that fails is logged and kept as the layer's last error; the next
// period tries again, and the process never exits on it.
//
// Faults (backup_faults.h) change the newest set of a layer at once, or skip the layer's next
// scheduled set. Thread-safe: the control endpoint calls in from server threads while the
// writer thread runs; every change on disk is serialised.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backups/faults.h"
#include "backups/set.h"
#include "common/mutex.h"
#include "shared/sim_time.h"
#include "shared/worker_thread.h"

namespace usdcop::sim {

struct BackupSettings {
  std::filesystem::path root;
  std::vector<std::string> layers = {"L0"};  // "L0".."L5", each once
  std::chrono::seconds cadence = std::chrono::hours(6);
  ManifestFormat format = ManifestFormat::kJson;
  int files = 3;
  uint64_t file_size = 64 << 10;  // bytes, each file
  int backfill = 0;               // past periods to write at start
  std::chrono::seconds retention = std::chrono::days(30);
};

// A POST /sim/backups/fault request: the layer defaults to the first configured one; `file` as
// ApplySetFault takes it ("" for its default).
struct BackupFaultRequest {
  BackupFault fault = BackupFault::kNone;
  std::optional<std::string> layer;
  std::string file;
};

// What a fault did: the set changed (or the period that will be skipped) and the file.
// `layer` and `set` are empty for `none` over every layer; `file` is empty when no file changed.
struct BackupFaultApplied {
  BackupFault fault = BackupFault::kNone;
  std::string layer;
  std::string set;
  std::string file;
  std::string detail;
};

// {"fault", "layer", "set", "file", "detail"}, empty names as null: the answer to a fault request.
nlohmann::json DescribeFaultApplied(const BackupFaultApplied& applied);

// A set written on request.
struct BackupCreated {
  std::string layer;
  std::string set;
  std::filesystem::path dir;
};

class BackupWriter {
 public:
  explicit BackupWriter(BackupSettings settings);
  ~BackupWriter();
  BackupWriter(const BackupWriter&) = delete;
  BackupWriter& operator=(const BackupWriter&) = delete;

  // Creates the layer directories, removes leftovers, prunes and backfills (errors are logged
  // and kept as each layer's last error). Call once, before Start().
  void Init();
  void Start();
  // Stops the writer thread (a set being written is abandoned between two files); false when
  // it did not end within `budget`: it is then detached and the caller should exit the process.
  bool Stop(std::chrono::milliseconds budget);

  // Writes a set of `layer` (default: the first configured) named by the current UTC second;
  // when that set exists (the scheduled one), waits for the next second (twice at most).
  // kBadInput for an unknown layer, kConflict when those sets exist, kIo when the write fails.
  Result<BackupCreated> Create(const std::optional<std::string>& layer);
  Result<BackupFaultApplied> ApplyFault(const BackupFaultRequest& request);
  // Clears skip_period in every layer (POST /sim/reset); the sets on disk stay as they are.
  void ClearFaults() EXCLUDES(mu_);

  // Settings, the next scheduled period, and per layer: dir, cadence, format, the sets present,
  // the newest, counters, faults applied, skip pending, last error.
  nlohmann::json Describe() const;

 private:
  // A configured layer: fixed at construction, read without a lock.
  struct Layer {
    std::string name;  // "L0"
    std::filesystem::path dir;
  };
  // What the writer did in a layer and is to do next; under mu_.
  struct LayerState {
    bool skip_pending = false;
    int64_t sets_written = 0;
    int64_t sets_skipped = 0;
    int64_t sets_deleted = 0;  // by retention
    int64_t errors = 0;        // failed writes and deletions
    int64_t faults_applied = 0;
    std::deque<nlohmann::json> recent_faults;  // newest last
    std::string last_error;
    std::optional<Time> last_error_at;
  };

  static std::vector<Layer> LayersOf(const BackupSettings& settings);
  void Loop();
  // Writes the scheduled sets of `period`, except in the layers marked to skip it.
  void WritePeriod(Time period, const std::vector<bool>& skip) EXCLUDES(io_mu_, mu_);
  // Writes the layer's set at `time` unless it exists, then prunes.
  Result<std::string> WriteLayerSet(size_t layer, Time time, Time created_at, bool backdate)
      REQUIRES(io_mu_) EXCLUDES(mu_);
  // Deletes the layer's sets older than the retention.
  void Prune(size_t layer) REQUIRES(io_mu_) EXCLUDES(mu_);
  void Backfill(size_t layer, Time now) REQUIRES(io_mu_) EXCLUDES(mu_);
  Result<size_t> FindLayer(const std::optional<std::string>& name) const;
  BackupFaultApplied ChangeNothing(const BackupFaultRequest& request, size_t layer);
  Result<BackupFaultApplied> ChangeNewestSet(const BackupFaultRequest& request, size_t layer);
  void NoteError(size_t layer, const std::string& error) EXCLUDES(mu_);
  void NoteFault(size_t layer, const BackupFaultApplied& applied) EXCLUDES(mu_);
  Time PeriodStart(Time t) const;
  nlohmann::json DescribeLayer(const Layer& layer, const LayerState& state,
                               const std::vector<std::string>& sets) const REQUIRES(mu_);

  const BackupSettings settings_;
  const std::vector<std::string> file_names_;
  const std::vector<Layer> layers_;  // one per settings_.layers, same order

  Mutex io_mu_ ACQUIRED_BEFORE(mu_);  // serialises every change on disk

  mutable Mutex mu_;
  CondVar wake_;
  std::vector<LayerState> states_ GUARDED_BY(mu_);  // one per layers_, same order
  Time next_period_ GUARDED_BY(mu_);                // the next scheduled period
  bool stop_ GUARDED_BY(mu_) = false;
  std::atomic<bool> cancel_{false};  // stop_, for set writes that do not hold mu_
  WorkerThread thread_;
};

}  // namespace usdcop::sim
