// The market_data probe's row of the table of probe kinds (probes/probe_kinds.h): its name (the
// config section probes.market_data and the `probe` label), its config and result types, and what
// the framework calls, each defined in this folder beside what it belongs to.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "probes/market_data/market_data_config.h"
#include "probes/market_data/market_data_result.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace usdcop {

class FamilyBuilder;
class FieldReader;
class Probe;
struct ProbeConfigs;
struct ProbeDeps;

struct MarketDataKind {
  static constexpr std::string_view kName = "market_data";
  using Config = MarketDataProbeConfig;
  using Result = MarketDataResult;

  // The section, read, defaulted and checked; nullopt after reporting its errors
  // (market_data_config.cpp).
  static std::optional<Config> Parse(FieldReader& r, const YAML::Node& node,
                                     const std::string& path);
  // The probe of a loaded section (market_data_probe.cpp).
  static std::shared_ptr<Probe> Build(const Config& config, const ProbeConfigs& all,
                                      const ProbeDeps& deps);
  // The result's metrics (market_data_metrics.cpp).
  static void Render(const Result& result, FamilyBuilder& out);
  // The result as the control API shows it, ages computed at `now` (Unix seconds;
  // market_data_view.cpp).
  static nlohmann::json View(const Result& result, double now);
};

}  // namespace usdcop
