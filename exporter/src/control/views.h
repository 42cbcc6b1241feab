// The control API's GET answers, built from the probes' latest results on the ResultBoard (no
// I/O, never waiting on a probe) and, for the alerts, the alert lifecycle. Facts only: the
// thresholds that turn them into alerts live in Prometheus rules. Each probe's part says when it
// was measured (`checked_at`, `age_seconds`) and whether that run succeeded.
#pragma once

#include <nlohmann/json.hpp>

#include "common/units.h"
#include "scheduler/result_board.h"

namespace usdcop {

class AlertLifecycle;

using BoardSnapshot = std::vector<std::shared_ptr<const ProbeRecord>>;

nlohmann::json L0HealthView(const BoardSnapshot& board, SysTime now);
nlohmann::json PipelineHealthView(const BoardSnapshot& board, SysTime now);
nlohmann::json BackupStatusView(const BoardSnapshot& board, SysTime now);
nlohmann::json WebSocketStatusView(const BoardSnapshot& board, SysTime now);
nlohmann::json UsageMonitoringView(const BoardSnapshot& board, SysTime now);
nlohmann::json AlertsSystemView(const BoardSnapshot& board, const AlertLifecycle& lifecycle, SysTime now);

}  // namespace usdcop
