// The probes a config enables, built from the table of probe kinds (probes/probe_kinds.h).
#pragma once

#include <vector>

#include "app/config.h"
#include "probes/probe.h"
#include "scheduler/scheduler.h"

namespace usdcop {

// The probes the config enables, each with its interval and timeout, in the table's order.
std::vector<ProbeSpec> BuildProbes(const Config& config, const ProbeDeps& deps);
// How many kinds of probe there are: the scheduler's pool size.
constexpr size_t ProbeKindCount() { return ProbeKinds::kSize; }

}  // namespace usdcop
