#include "app/config.h"

#include <filesystem>

#include "config/field_reader.h"
#include "config/sections.h"

namespace usdcop {
namespace {

void ParseProbes(FieldReader& r, const YAML::Node& probes, Config& config) {
  std::vector<std::string_view> names;
  ForEachProbeKind([&](auto kind) { names.push_back(decltype(kind)::type::kName); });
  if (!r.Map(probes, "probes", names) || !probes.IsMap()) return;
  ForEachProbeKind([&](auto kind) {
    using K = typename decltype(kind)::type;
    const std::string name(K::kName);
    if (probes[name].IsDefined())
      config.probes.Get<K>() = K::Parse(r, probes[name], "probes." + name);
  });
  // Checks between sections, once every section is read.
  ForEachProbeKind([&](auto kind) {
    using K = typename decltype(kind)::type;
    if constexpr (requires { K::CrossCheck(r, probes, config.probes); })
      K::CrossCheck(r, probes, config.probes);
  });
}

ConfigLoad Parse(const std::string& text, const std::string& file) {
  ConfigLoad load;
  std::string base_dir = std::filesystem::absolute(file).parent_path().string();
  FieldReader r(file, base_dir, &load.errors);
  std::optional<YAML::Node> parsed = ParseYaml(text, file, &load.errors);
  if (!parsed) return load;
  const YAML::Node root = *parsed;
  Config config;
  config.file = file;
  if (r.Map(root, "", {"storage", "calendar", "probes", "control"}) && root.IsMap()) {
    if (root["calendar"].IsDefined())
      config.calendar = ParseCalendarSection(r, root["calendar"], "calendar");
    const YAML::Node storage = root["storage"];
    if (storage.IsDefined() && r.Map(storage, "storage", {"path"}))
      config.storage_path = r.FilePath(storage, "storage", "path").value_or("");
    if (root["probes"].IsDefined()) ParseProbes(r, root["probes"], config);
    if (root["control"].IsDefined())
      config.control = ParseControlSection(r, root["control"], "control");
  }
  if (load.errors.empty()) load.config = std::move(config);
  return load;
}

}  // namespace

ConfigLoad LoadConfigText(const std::string& text, const std::string& file) {
  return ParseGuarded<ConfigLoad>(text, file, Parse);
}

ConfigLoad LoadConfigFile(const std::string& path) {
  return ParseGuardedFile<ConfigLoad>(path, "the config file", "give its path with --config.file",
                                      Parse);
}

}  // namespace usdcop
