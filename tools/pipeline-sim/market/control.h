// The control endpoint of the simulated market data (no auth, JSON in and out, 400
// {"error", "field"} on bad input):
//   POST /sim/market/fault     {"fault", "bars"?, "kind"?, "seconds"?}
//   POST /sim/market/bars      {"bars": [...]}: inserts exactly these rows
//   POST /sim/market/backfill  {"days"} or {"from", "to"}, "created_at"?: on_time | now
//   GET  /sim/market/state
// Without market data (no --market.sqlite or --market.postgres) they answer 409.
// Handlers are thread-safe; the writer must outlive the server.
#pragma once

#include <httplib.h>

#include "market/writer.h"

namespace usdcop::sim {

class MarketControl {
 public:
  // `writer` is null when market data is off.
  explicit MarketControl(MarketWriter* writer) : writer_(writer) {}
  MarketControl(const MarketControl&) = delete;
  MarketControl& operator=(const MarketControl&) = delete;

  void Register(httplib::Server& server);

 private:
  using Request = httplib::Request;
  using Response = httplib::Response;

  void SetFault(const Request& req, Response& res);
  void InsertBars(const Request& req, Response& res);
  void Backfill(const Request& req, Response& res);
  void State(const Request& req, Response& res);

  MarketWriter* const writer_;
};

// True when market data is on (`writer` is not null); otherwise answers 409
// {"error", "field": "market"} and is false. For every endpoint that needs market data.
bool MarketEnabled(const MarketWriter* writer, httplib::Response& res);

}  // namespace usdcop::sim
