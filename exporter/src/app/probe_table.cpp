#include "app/probe_table.h"

#include <array>
#include <functional>
#include <optional>

#include "probes/pipeline.h"

namespace usdcop {
namespace {

struct ProbeKind {
  const char* name;
  std::function<std::optional<ProbeSpec>(const Config&, ProbeDeps)> build;
};

const std::array<ProbeKind, 1> kProbeKinds = {{
    {"pipeline",
     [](const Config& c, ProbeDeps d) -> std::optional<ProbeSpec> {
       if (!c.pipeline) return std::nullopt;
       return ProbeSpec{"pipeline", c.pipeline->interval, c.pipeline->timeout,
                        std::make_shared<PipelineProbe>(*c.pipeline, d.http, d.store)};
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
