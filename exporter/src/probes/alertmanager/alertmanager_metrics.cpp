// usdcop_alerts_active: from the Alertmanager probe's result.
#include <map>
#include <string_view>

#include "exposition/family_builder.h"
#include "probes/alertmanager/alertmanager_kind.h"

namespace usdcop {

namespace {

// Anyone who can post an alert to Alertmanager chooses its severity label: the series are bounded
// so that a rule or a client with unusual severities cannot grow the exposition without end.
constexpr std::size_t kMaxOtherSeverities = 8;  // besides critical and warning, in name order
constexpr std::size_t kMaxSeverityLength = 64;  // bytes; a longer label value counts as "other"
constexpr std::string_view kOther = "other";

}  // namespace

void AlertmanagerKind::Render(const AlertmanagerResult& result, FamilyBuilder& out) {
  // critical and warning always have a series; any other severity seen (in any state) has one
  // while Alertmanager holds an alert of it, so that silencing its last alert shows as 0. Past
  // kMaxOtherSeverities of them, or longer than kMaxSeverityLength, they count as "other".
  std::map<std::string, double> seen;  // by severity, in name order
  for (const AlertmanagerAlert& a : result.alerts) seen[a.severity] += a.state == "active" ? 1 : 0;
  std::map<std::string, double> active = {{"critical", 0}, {"warning", 0}};
  std::size_t others = 0;
  for (const auto& [severity, count] : seen) {
    bool own = active.count(severity) != 0;
    if (!own && severity != kOther && severity.size() <= kMaxSeverityLength &&
        others < kMaxOtherSeverities) {
      own = true;
      ++others;
    }
    active[own ? severity : std::string(kOther)] += count;
  }
  for (const auto& [severity, count] : active)
    out.Gauge("usdcop_alerts_active",
              "Alerts Alertmanager holds in state active (firing, neither silenced nor inhibited) "
              "by their severity label (\"\" when they have none; past 8 severities besides "
              "critical and warning, or longer than 64 bytes, \"other\"), as of the probe's last "
              "run.",
              {{"severity", severity}}, count);
}

}  // namespace usdcop
