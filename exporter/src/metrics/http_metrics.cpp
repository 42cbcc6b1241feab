#include "metrics/render.h"

namespace usdcop {

void RenderHttpStats(const std::vector<HttpServerStats>& ports, FamilyBuilder& out) {
  for (const HttpServerStats& p : ports)
    out.Gauge("usdcop_http_connections",
              "Open HTTP connections of the exporter's port (metrics or control).",
              {{"port", p.port}}, static_cast<double>(p.open));
  // Every reason from zero, so that rate() sees the first one.
  for (const HttpServerStats& p : ports)
    for (HttpReject reason : kAllHttpRejects)
      out.Counter(
          "usdcop_http_connections_rejected_total",
          "HTTP connections closed or refused by a limit of the exporter's port, by reason.",
          {{"port", p.port}, {"reason", HttpRejectName(reason)}},
          static_cast<double>(p.rejected[static_cast<size_t>(reason)]));
}

}  // namespace usdcop
