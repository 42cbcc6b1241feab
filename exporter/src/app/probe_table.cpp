#include "app/probe_table.h"

#include <string>

namespace usdcop {

std::vector<ProbeSpec> BuildProbes(const Config& config, const ProbeDeps& deps) {
  std::vector<ProbeSpec> out;
  ForEachProbeKind([&](auto kind) {
    using K = typename decltype(kind)::type;
    const auto& section = config.probes.Get<K>();
    if (!section) return;
    out.push_back(ProbeSpec{std::string(K::kName), section->interval, section->timeout,
                            K::Build(*section, config.probes, deps)});
  });
  return out;
}

}  // namespace usdcop
