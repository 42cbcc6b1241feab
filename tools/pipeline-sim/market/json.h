// Reading the bodies of the market-data control endpoints: the rows of POST /sim/market/bars,
// inserted as given (no OHLC sanity or calendar-grid checks: tests insert bad rows on purpose).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "market/store.h"
#include "shared/http_util.h"
#include "shared/status.h"

namespace usdcop::sim {

// {"bars": [{"time", "open"?, "high"?, "low"?, "close"?, "volume"?, "symbol"?, "source"?,
// "created_at"?, "updated_at"?}, ...]}: time is required (ISO 8601 with a zone); prices and
// volume are numbers or null (absent: NULL); symbol defaults to `symbol`, source to
// "pipeline-sim", created_at to now, updated_at to NULL. The first problem as a kBadInput Error.
Result<std::vector<BarRow>> ParseBarsBody(const std::string& body, const std::string& symbol);

}  // namespace usdcop::sim
