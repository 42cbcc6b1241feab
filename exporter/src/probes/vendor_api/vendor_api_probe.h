// The vendor-API probe: per configured key, the credits used against the plan's limits
// (Twelve Data's /api_usage, one call per key per run, no retry), the key's dates and whether
// it is the active one (from the config or a file the pipeline writes). A key the vendor
// rate-limited is not asked again until `backoff` has passed; meanwhile each run reports it
// rate-limited without calling. No key reaches a message: they are scrubbed from the run's
// Status. Not thread-safe: the scheduler runs one Run() at a time.
#pragma once

#include <map>
#include <string>

#include "probes/probe.h"
#include "probes/vendor_api/vendor_api_config.h"
#include "sources/twelvedata_client.h"

namespace usdcop {

class VendorApiProbe final : public Probe {
 public:
  VendorApiProbe(VendorApiProbeConfig config, HttpClient& http);
  ProbeOutcome Run(const ProbeContext& ctx) override;

 private:
  // The id of the active key, "" when none; a file that cannot be used sets `status`.
  std::string ActiveKeyId(Status& status) const;
  Status QueryKey(const VendorKeyConfig& key, const ProbeContext& ctx, VendorKeyResult& out);
  // `message` with every configured key replaced by <redacted>.
  std::string Scrub(std::string message) const;

  const VendorApiProbeConfig config_;
  TwelveDataClient client_;
  std::map<std::string, SysTime> backoff_until_;  // by key id
};

}  // namespace usdcop
