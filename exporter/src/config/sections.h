// The calendar section's parse function and the helpers every section shares, each reporting
// its problems through the FieldReader. The control section's is in control/control_config.cpp,
// the probes' are their kinds' Parse (probes/<name>/<name>_config.cpp); the whole file's entry
// points are in app/config.h.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/calendar_config.h"
#include "common/units.h"
#include "config/field_reader.h"

namespace usdcop {

CalendarConfig ParseCalendarSection(FieldReader& r, const YAML::Node& node,
                                    const std::string& path);

// The `layer` field of a layer item: letters, digits and _ (e.g. L0); "" when absent or invalid.
std::string ParseLayerName(FieldReader& r, const YAML::Node& node, const std::string& path);

// The list parent[key], each item read by `parse(r, item_node, item_path)` (an optional of a
// struct); an item whose `id_of(item)` repeats an earlier one's is reported at its `id_key`.
template <typename F, typename IdOf>
auto ParseUniqueList(FieldReader& r, const YAML::Node& parent, const char* key,
                     const std::string& path, std::string_view shape, const char* id_key, F parse,
                     IdOf id_of)
    -> std::vector<typename decltype(parse(r, parent, path))::value_type> {
  std::vector<typename decltype(parse(r, parent, path))::value_type> out;
  const YAML::Node node = parent.IsMap() ? parent[key] : YAML::Node(YAML::NodeType::Undefined);
  if (!node.IsDefined() || node.IsNull()) {
    r.Error(parent, path, "is required (a list of " + std::string(shape) + ")");
    return out;
  }
  if (!r.List(node, path)) return out;
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string item = path + "[" + std::to_string(i) + "]";
    auto parsed = parse(r, node[i], item);
    if (!parsed) continue;
    const std::string& id = id_of(*parsed);
    if (!id.empty() && !seen.insert(id).second)
      r.Error(node[i][id_key], Join(item, id_key),
              std::string(id_key) + " \"" + id + "\" is listed twice");
    out.push_back(std::move(*parsed));
  }
  return out;
}

// The list parent.layers of items with a `layer` member, each layer once.
template <typename F>
auto ParseLayerList(FieldReader& r, const YAML::Node& parent, const std::string& path,
                    std::string_view shape, F parse) {
  return ParseUniqueList(r, parent, "layers", path, shape, "layer", parse,
                         [](const auto& item) -> const std::string& { return item.layer; });
}

// node.ca_file: a PEM bundle of CA certificates, made absolute and reported unless readable now;
// "" when absent. `signs` says whose certificate they sign ("the service's"), for the message.
std::string ParseCaFile(FieldReader& r, const YAML::Node& node, const std::string& path,
                        std::string_view signs);

// Reports "timeout must be shorter than interval".
void CheckTimeoutBelowInterval(FieldReader& r, const YAML::Node& node, const std::string& path,
                               Duration interval, Duration timeout);

}  // namespace usdcop
