// The latest outcome of every configured probe and its running error counters: what the
// scheduler writes and the metrics renderer reads. Each update swaps in a fresh immutable
// ProbeRecord; readers copy shared_ptrs under a short lock and never wait on a probe.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "common/mutex.h"
#include "common/status.h"
#include "common/units.h"
#include "probes/probe_kinds.h"

namespace usdcop {

struct ProbeRecord {
  std::string name;
  Duration timeout{0};
  bool has_run = false;  // false until the first run ends (or times out)
  bool success = false;
  Status status;  // of the last run
  double duration_seconds = 0;
  double last_run_timestamp = 0;              // Unix seconds, when the last run ended
  std::map<Reason, std::uint64_t> errors;     // failed runs by reason, since start
  std::shared_ptr<const ProbeResult> result;  // null when the last run produced none
};

class ResultBoard {
 public:
  // Called with every record a finished run publishes, on the publishing thread, after the
  // board holds it and before its generation moves (so that what the listener feeds is current
  // for a reader that sees the new generation). Must be quick and must not call the board.
  using Listener = std::function<void(const std::shared_ptr<const ProbeRecord>&)>;
  void SetListener(Listener listener);
  struct ProbeInfo {
    std::string name;
    Duration timeout;
  };
  // The configured probes: adds new ones, drops absent ones (their series disappear), and
  // keeps the records and counters of the others.
  void Configure(const std::vector<ProbeInfo>& probes);
  // A finished run. Ignored for a probe no longer configured.
  void Record(const std::string& name, const Status& status, double duration_seconds,
              double end_timestamp, std::shared_ptr<const ProbeResult> result);
  // A run that did not happen (overlap): counted, nothing else changes.
  void CountSkipped(const std::string& name, Reason reason);

  std::vector<std::shared_ptr<const ProbeRecord>> Snapshot() const;
  std::shared_ptr<const ProbeRecord> Get(const std::string& name) const;
  // Changes with every update: the renderer re-renders only when it moved.
  std::uint64_t generation() const { return generation_.load(); }
  // Waits until each of `names` has a run that started at or after `since` (Unix seconds), or
  // `deadline`; true when they all have.
  bool WaitForRunsSince(const std::vector<std::string>& names, double since,
                        const Deadline& deadline) const;
  // True once every configured probe has a first outcome.
  bool AllRan() const;

 private:
  // Whether each of `names` has a run that started at or after `since`.
  bool RanSince(const std::vector<std::string>& names, double since) const REQUIRES(mu_);

  mutable Mutex mu_;
  mutable CondVar recorded_;
  std::map<std::string, std::shared_ptr<const ProbeRecord>> records_ GUARDED_BY(mu_);
  Listener listener_ GUARDED_BY(mu_);
  std::atomic<std::uint64_t> generation_{1};
};

}  // namespace usdcop
