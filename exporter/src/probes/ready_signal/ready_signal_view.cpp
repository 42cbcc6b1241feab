// The ready signal as the control API shows it.
#include <nlohmann/json.hpp>

#include "probes/ready_signal/ready_signal_kind.h"
#include "probes/view_json.h"

namespace usdcop {
using nlohmann::json;
using view_json::AgeOf;
using view_json::Opt;

json ReadySignalKind::View(const ReadySignalResult& r, double now) {
  json out = {{"present", r.present},
              {"timestamp", Opt(r.timestamp)},
              {"age_seconds", AgeOf(r.timestamp, now)}};
  if (r.handover)
    out["handover"] = {{"last_published_bar", r.handover->last_published_bar},
                       {"pending_records", r.handover->pending_bars},
                       {"lag_seconds", r.handover->lag_seconds}};
  return out;
}

}  // namespace usdcop
