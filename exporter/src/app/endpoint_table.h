// Builds the control API's table from the config: which actions are served, by what, and with
// which fields (the layers and key ids the config names). An action whose peer or hook is not
// configured is listed with what to configure, and answers 501.
#pragma once

#include <memory>
#include <string>

#include "app/config.h"
#include "common/clock.h"
#include "common/log.h"
#include "control/alert_lifecycle.h"
#include "control/endpoints.h"
#include "control/trend_buffer.h"
#include "scheduler/result_board.h"
#include "scheduler/scheduler.h"
#include "sources/http_client.h"

namespace usdcop {

struct ControlDeps {
  const ResultBoard& board;
  const TrendBuffer& trends;  // the status page's, fed by the board
  Scheduler& scheduler;
  HttpClient& http;
  AlertLifecycle& alerts;
  const Clock& clock;
  std::string storage_path;  // test-recovery's default scratch directory sits beside it
};

// Null when the config has no control section.
std::shared_ptr<const ControlSetup> BuildControlSetup(const Config& config,
                                                      const ControlDeps& deps);

}  // namespace usdcop
