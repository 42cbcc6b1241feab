// The contract between a probe and the scheduler. A probe turns one source into one result
// struct (ProbeResult) and a Status; it knows nothing of HTTP serving, scheduling or rendering.
// The scheduler never runs one probe instance concurrently with itself, so a probe may keep
// state between runs without locking; different probes run on different threads.
#pragma once

#include <memory>

#include "common/clock.h"
#include "common/deadline.h"
#include "common/log.h"
#include "common/status.h"
#include "probes/probe_kinds.h"

namespace usdcop {

class HttpClient;
class StateStore;
class TradingCalendar;

// What a kind's Build may hand its probe: the exporter's shared services, all outliving it.
struct ProbeDeps {
  HttpClient& http;
  StateStore& store;
  std::shared_ptr<const TradingCalendar> calendar;
  const Clock& clock;  // the scheduler's
  Logger& log;
};

struct ProbeContext {
  Deadline deadline;  // every I/O call takes its time from here
  const Clock& clock;
  Logger& log;
};

struct ProbeOutcome {
  Status status;  // not OK: the run failed, or part of it did (the result says what it could)
  ProbeResult result;
};

class Probe {
 public:
  virtual ~Probe() = default;
  virtual ProbeOutcome Run(const ProbeContext& ctx) = 0;
};

}  // namespace usdcop
