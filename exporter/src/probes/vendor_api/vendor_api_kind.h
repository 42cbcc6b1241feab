// The vendor_api probe's row of the table of probe kinds (probes/probe_kinds.h): its name (the
// config section probes.vendor_api and the `probe` label), its config and result types, and what
// the framework calls, each defined in this folder beside what it belongs to.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "probes/vendor_api/vendor_api_config.h"
#include "probes/vendor_api/vendor_api_result.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace usdcop {

class FamilyBuilder;
class FieldReader;
class Probe;
struct ProbeConfigs;
struct ProbeDeps;

struct VendorApiKind {
  static constexpr std::string_view kName = "vendor_api";
  using Config = VendorApiProbeConfig;
  using Result = VendorApiResult;

  // The section, read, defaulted and checked; nullopt after reporting its errors
  // (vendor_api_config.cpp).
  static std::optional<Config> Parse(FieldReader& r, const YAML::Node& node,
                                     const std::string& path);
  // The probe of a loaded section (vendor_api_probe.cpp).
  static std::shared_ptr<Probe> Build(const Config& config, const ProbeConfigs& all,
                                      const ProbeDeps& deps);
  // The result's metrics (vendor_api_metrics.cpp).
  static void Render(const Result& result, FamilyBuilder& out);
  // The result as the control API shows it, ages computed at `now` (Unix seconds;
  // vendor_api_view.cpp).
  static nlohmann::json View(const Result& result, double now);
};

}  // namespace usdcop
