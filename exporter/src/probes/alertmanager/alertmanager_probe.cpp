#include "probes/alertmanager/alertmanager_probe.h"

namespace usdcop {

ProbeOutcome AlertmanagerProbe::Run(const ProbeContext& ctx) {
  auto alerts = client_.Alerts(ctx.deadline);
  if (!alerts.ok()) return ProbeOutcome{alerts.status(), std::monostate()};
  AlertmanagerResult result;
  result.alerts = std::move(alerts).value();
  Status status;
  auto receivers = client_.Receivers(ctx.deadline);
  if (receivers.ok()) result.receivers = std::move(receivers).value();
  MergeInto(status, receivers.status());
  auto cluster = client_.Cluster(ctx.deadline);
  if (cluster.ok()) result.cluster = std::move(cluster).value();
  MergeInto(status, cluster.status());
  return ProbeOutcome{status, std::move(result)};
}

std::shared_ptr<Probe> AlertmanagerKind::Build(const Config& config, const ProbeConfigs& /*all*/,
                                               const ProbeDeps& deps) {
  return std::make_shared<AlertmanagerProbe>(config, deps.http);
}

}  // namespace usdcop
