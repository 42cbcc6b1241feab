// Every probe's result type, as one variant: the metrics renderer visits it. Results are
// immutable once published and shared between threads through shared_ptr<const ...>.
#pragma once

#include <variant>

#include "probes/alertmanager_result.h"
#include "probes/backup_result.h"
#include "probes/market_data_result.h"
#include "probes/pipeline_result.h"
#include "probes/ready_signal_result.h"
#include "probes/vendor_api_result.h"
#include "probes/websocket_result.h"

namespace usdcop {

using ProbeResult =
    std::variant<std::monostate, PipelineResult, MarketDataResult, ReadySignalResult, BackupsResult,
                 WebSocketResult, VendorApiResult, AlertmanagerResult>;

}  // namespace usdcop
