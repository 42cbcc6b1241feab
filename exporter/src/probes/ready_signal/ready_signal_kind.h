// The ready_signal probe's row of the table of probe kinds (probes/probe_kinds.h): its name (the
// config section probes.ready_signal and the `probe` label), its config and result types, and what
// the framework calls, each defined in this folder beside what it belongs to.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "probes/ready_signal/ready_signal_config.h"
#include "probes/ready_signal/ready_signal_result.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace usdcop {

class FamilyBuilder;
class FieldReader;
class Probe;
struct ProbeConfigs;
struct ProbeDeps;

struct ReadySignalKind {
  static constexpr std::string_view kName = "ready_signal";
  using Config = ReadySignalProbeConfig;
  using Result = ReadySignalResult;

  // The section, read, defaulted and checked; nullopt after reporting its errors
  // (ready_signal_config.cpp).
  static std::optional<Config> Parse(FieldReader& r, const YAML::Node& node,
                                     const std::string& path);
  // Checks against, and defaults from, probes.market_data: the signal table and the handover
  // read its database (ready_signal_config.cpp).
  static void CrossCheck(FieldReader& r, const YAML::Node& probes, ProbeConfigs& all);
  // The probe of a loaded section (ready_signal_probe.cpp).
  static std::shared_ptr<Probe> Build(const Config& config, const ProbeConfigs& all,
                                      const ProbeDeps& deps);
  // The result's metrics (ready_signal_metrics.cpp).
  static void Render(const Result& result, FamilyBuilder& out);
  // The result as the control API shows it, ages computed at `now` (Unix seconds;
  // ready_signal_view.cpp).
  static nlohmann::json View(const Result& result, double now);
};

}  // namespace usdcop
