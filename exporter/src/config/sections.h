// One parse function per config section, each reporting its problems through the FieldReader.
// Internal to config/; the public entry points are in config.h.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/field_reader.h"

namespace usdcop {

std::optional<PipelineProbeConfig> ParsePipelineSection(FieldReader& r, const YAML::Node& node,
                                                        const std::string& path);

std::optional<MarketDataProbeConfig> ParseMarketDataSection(FieldReader& r, const YAML::Node& node,
                                                            const std::string& path);
std::optional<ReadySignalProbeConfig> ParseReadySignalSection(FieldReader& r, const YAML::Node& node,
                                                              const std::string& path);
std::optional<BackupsProbeConfig> ParseBackupsSection(FieldReader& r, const YAML::Node& node, const std::string& path);
CalendarConfig ParseCalendarSection(FieldReader& r, const YAML::Node& node, const std::string& path);

// The `layer` field of a layer item: letters, digits and _ (e.g. L0); "" when absent or invalid.
std::string ParseLayerName(FieldReader& r, const YAML::Node& node, const std::string& path);

// The list parent.layers, each item read by `parse(r, item_node, item_path)` (an optional of a
// struct with a `layer` member); a layer listed twice is reported.
template <typename F>
auto ParseLayerList(FieldReader& r, const YAML::Node& parent, const std::string& path, std::string_view shape, F parse)
    -> std::vector<typename decltype(parse(r, parent, path))::value_type> {
  std::vector<typename decltype(parse(r, parent, path))::value_type> out;
  const YAML::Node node = parent.IsMap() ? parent["layers"] : YAML::Node(YAML::NodeType::Undefined);
  if (!node.IsDefined() || node.IsNull()) {
    r.Error(parent, path, "is required (a list of " + std::string(shape) + ")");
    return out;
  }
  if (!r.List(node, path)) return out;
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string item = path + "[" + std::to_string(i) + "]";
    auto layer = parse(r, node[i], item);
    if (!layer) continue;
    if (!layer->layer.empty() && !seen.insert(layer->layer).second)
      r.Error(node[i]["layer"], Join(item, "layer"), "layer \"" + layer->layer + "\" is listed twice");
    out.push_back(std::move(*layer));
  }
  return out;
}

// Reports "timeout must be shorter than interval".
void CheckTimeoutBelowInterval(FieldReader& r, const YAML::Node& node, const std::string& path,
                               Duration interval, Duration timeout);

}  // namespace usdcop
