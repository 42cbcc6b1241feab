#include "app/probe_table.h"

#include <array>
#include <functional>
#include <optional>

#include "probes/alertmanager.h"
#include "probes/backup.h"
#include "probes/market_data.h"
#include "probes/pipeline.h"
#include "probes/ready_signal.h"
#include "probes/vendor_api.h"
#include "probes/websocket.h"
#include "sources/postgres_bar_source.h"
#include "sources/sqlite_bar_source.h"

namespace usdcop {
namespace {

// A connection of its own to the L0 bar table that probes.market_data names.
std::unique_ptr<BarSource> MakeBarSource(const MarketDataProbeConfig& m) {
  if (m.postgres_conninfo.empty()) return std::make_unique<SqliteBarSource>(m.sqlite_path, m.table);
  return std::make_unique<PostgresBarSource>(m.postgres_conninfo, m.postgres_password, m.table);
}

struct ProbeKind {
  const char* name;
  std::function<std::optional<ProbeSpec>(const Config&, ProbeDeps)> build;
};

const std::array<ProbeKind, 7> kProbeKinds = {{
    {"pipeline",
     [](const Config& c, ProbeDeps d) -> std::optional<ProbeSpec> {
       if (!c.pipeline) return std::nullopt;
       return ProbeSpec{"pipeline", c.pipeline->interval, c.pipeline->timeout,
                        std::make_shared<PipelineProbe>(*c.pipeline, d.http, d.store)};
     }},
    {"market_data",
     [](const Config& c, ProbeDeps d) -> std::optional<ProbeSpec> {
       if (!c.market_data) return std::nullopt;
       return ProbeSpec{"market_data", c.market_data->interval, c.market_data->timeout,
                        std::make_shared<MarketDataProbe>(*c.market_data, d.calendar, MakeBarSource(*c.market_data),
                                                          d.store)};
     }},
    {"ready_signal",
     [](const Config& c, ProbeDeps d) -> std::optional<ProbeSpec> {
       if (!c.ready_signal) return std::nullopt;
       // The config loader guarantees market_data when either needs the database.
       std::unique_ptr<BarSource> bars;
       if ((c.ready_signal->handover || !c.ready_signal->signal_table.empty()) && c.market_data)
         bars = MakeBarSource(*c.market_data);
       return ProbeSpec{"ready_signal", c.ready_signal->interval, c.ready_signal->timeout,
                        std::make_shared<ReadySignalProbe>(*c.ready_signal, d.http, std::move(bars))};
     }},
    {"backups",
     [](const Config& c, ProbeDeps d) -> std::optional<ProbeSpec> {
       if (!c.backups) return std::nullopt;
       return ProbeSpec{"backups", c.backups->interval, c.backups->timeout,
                        std::make_shared<BackupProbe>(*c.backups, d.calendar, d.store, d.clock, d.log)};
     }},
    {"websocket",
     [](const Config& c, ProbeDeps d) -> std::optional<ProbeSpec> {
       if (!c.websocket) return std::nullopt;
       return ProbeSpec{"websocket", c.websocket->interval, c.websocket->timeout,
                        std::make_shared<WebSocketProbe>(*c.websocket, d.http, std::make_unique<BeastWebSocketDialer>(),
                                                         d.store)};
     }},
    {"vendor_api",
     [](const Config& c, ProbeDeps d) -> std::optional<ProbeSpec> {
       if (!c.vendor_api) return std::nullopt;
       return ProbeSpec{"vendor_api", c.vendor_api->interval, c.vendor_api->timeout,
                        std::make_shared<VendorApiProbe>(*c.vendor_api, d.http)};
     }},
    {"alertmanager",
     [](const Config& c, ProbeDeps d) -> std::optional<ProbeSpec> {
       if (!c.alertmanager) return std::nullopt;
       return ProbeSpec{"alertmanager", c.alertmanager->interval, c.alertmanager->timeout,
                        std::make_shared<AlertmanagerProbe>(*c.alertmanager, d.http)};
     }},
}};

}  // namespace

std::vector<ProbeSpec> BuildProbes(const Config& config, ProbeDeps deps) {
  std::vector<ProbeSpec> out;
  for (const ProbeKind& kind : kProbeKinds)
    if (auto spec = kind.build(config, deps)) out.push_back(std::move(*spec));
  return out;
}

size_t ProbeKindCount() { return kProbeKinds.size(); }

}  // namespace usdcop
