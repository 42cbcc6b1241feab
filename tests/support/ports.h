// Free TCP ports on 127.0.0.1 for test servers that cannot bind port 0 and say which port they
// got (PostgreSQL, Prometheus, Alertmanager, an exporter that must keep its port over a restart).
#pragma once

namespace usdcop::testing {

// A port below 32768 (outside the ephemeral range) that nothing listens on now.
int FreeLowPort();

}  // namespace usdcop::testing
