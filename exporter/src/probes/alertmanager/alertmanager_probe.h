// The Alertmanager probe: each run reads, with the run's deadline, every alert Alertmanager
// holds (GET /api/v2/alerts with active, silenced, inhibited and unprocessed), then its
// receivers (/api/v2/receivers) and its cluster status (/api/v2/status). A run that cannot read
// the alerts fails with no result; one that reads them but not the rest fails with a result
// that says what it lacks. Errors are values (connect, timeout, tls, auth, http_status, parse);
// the password never reaches a message. Not thread-safe: the scheduler runs one Run() at a time.
#pragma once

#include "probes/alertmanager/alertmanager_config.h"
#include "probes/probe.h"
#include "sources/alertmanager_client.h"

namespace usdcop {

class AlertmanagerProbe final : public Probe {
 public:
  AlertmanagerProbe(AlertmanagerProbeConfig config, HttpClient& http)
      : client_(AlertmanagerConfig{.url = std::move(config.url),
                                   .ca_file = std::move(config.ca_file),
                                   .username = std::move(config.username),
                                   .password = std::move(config.password)},
                http) {}
  ProbeOutcome Run(const ProbeContext& ctx) override;

 private:
  AlertmanagerClient client_;
};

}  // namespace usdcop
