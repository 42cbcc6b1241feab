// usdcop_alerts_active: from the Alertmanager probe's result.
#include <map>

#include "exposition/family_builder.h"
#include "probes/alertmanager/alertmanager_kind.h"

namespace usdcop {

void AlertmanagerKind::Render(const AlertmanagerResult& result, FamilyBuilder& out) {
  // critical and warning always have a series; any other severity seen (in any state) has one
  // while Alertmanager holds an alert of it, so that silencing its last alert shows as 0.
  std::map<std::string, double> active = {{"critical", 0}, {"warning", 0}};
  for (const AlertmanagerAlert& a : result.alerts)
    active[a.severity] += a.state == "active" ? 1 : 0;
  for (const auto& [severity, count] : active)
    out.Gauge("usdcop_alerts_active",
              "Alerts Alertmanager holds in state active (firing, neither silenced nor inhibited) "
              "by their "
              "severity label (\"\" when they have none), as of the probe's last run.",
              {{"severity", severity}}, count);
}

}  // namespace usdcop
