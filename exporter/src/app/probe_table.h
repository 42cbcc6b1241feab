// The table of probe kinds: config section name -> factory. Adding a probe means adding a row
// here (no self-registration).
#pragma once

#include <vector>

#include "calendar/trading_calendar.h"
#include "common/clock.h"
#include "common/log.h"
#include "config/config.h"
#include "scheduler/scheduler.h"
#include "sources/http_client.h"
#include "store/state_store.h"

namespace usdcop {

struct ProbeDeps {
  HttpClient& http;
  StateStore& store;
  std::shared_ptr<const TradingCalendar> calendar;
  const Clock& clock;  // the scheduler's: outlives the probes
  Logger& log;
};

// The probes the config enables, each with its interval and timeout.
std::vector<ProbeSpec> BuildProbes(const Config& config, ProbeDeps deps);
// How many kinds of probe there are: the scheduler's pool size.
size_t ProbeKindCount();

}  // namespace usdcop
