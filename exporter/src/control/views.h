// The control API's GET answers, built from the probes' latest results on the ResultBoard (no
// I/O, never waiting on a probe) and, for the alerts, the alert lifecycle. Facts only: the
// thresholds that turn them into alerts live in Prometheus rules. Each probe's part says when it
// was measured (`checked_at`, `age_seconds`) and whether that run succeeded.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/units.h"
#include "scheduler/result_board.h"

namespace usdcop {

class AlertLifecycle;

using BoardSnapshot = std::vector<std::shared_ptr<const ProbeRecord>>;

// The record of probe `name` on the board; null when it is not configured.
const ProbeRecord* RecordOf(const BoardSnapshot& board, std::string_view name);

// The latest result of probe kind K, when it has one.
template <class K>
const typename K::Result* ResultOf(const BoardSnapshot& board) {
  const ProbeRecord* r = RecordOf(board, K::kName);
  if (!r || !r->result) return nullptr;
  return std::get_if<typename K::Result>(r->result.get());
}

nlohmann::json L0HealthView(const BoardSnapshot& board, SysTime now);
nlohmann::json PipelineHealthView(const BoardSnapshot& board, SysTime now);
nlohmann::json BackupStatusView(const BoardSnapshot& board, SysTime now);
nlohmann::json WebSocketStatusView(const BoardSnapshot& board, SysTime now);
nlohmann::json UsageMonitoringView(const BoardSnapshot& board, SysTime now);
nlohmann::json AlertsSystemView(const BoardSnapshot& board, const AlertLifecycle& lifecycle,
                                SysTime now);

// A probe's own state in a view: configured, has_run, success, checked_at, age_seconds, error.
nlohmann::json ProbeStateView(const BoardSnapshot& board, std::string_view name, double now);

// A view, or any answer of the control API, as the JSON text sent (a trailing newline
// included; invalid UTF-8 replaced).
std::shared_ptr<const std::string> ViewText(const nlohmann::json& view);

// A view rendered once per (probe results, millisecond) and shared by the GETs of that
// millisecond: exact as of its generated_at (the millisecond it was rendered for), and cheap under
// a burst of reads. Thread-safe.
class ViewCache {
 public:
  using Render = std::function<nlohmann::json(const BoardSnapshot&, SysTime)>;
  ViewCache(const ResultBoard& board, const Clock& clock, Render render)
      : board_(board), clock_(clock), render_(std::move(render)) {}
  std::shared_ptr<const std::string> Get();

 private:
  const ResultBoard& board_;
  const Clock& clock_;
  const Render render_;
  Mutex mu_;
  std::uint64_t generation_ GUARDED_BY(mu_) = 0;  // of the board the text was rendered from
  SysTime at_ GUARDED_BY(mu_){};                  // the millisecond it was rendered for
  std::shared_ptr<const std::string> text_ GUARDED_BY(mu_);
};

}  // namespace usdcop
