#include "config/config.h"

#include <filesystem>

#include "config/field_reader.h"
#include "config/sections.h"

namespace usdcop {
namespace {

void ParseProbes(FieldReader& r, const YAML::Node& probes, Config& config) {
  if (!r.Map(probes, "probes",
             {"pipeline", "market_data", "ready_signal", "backups", "websocket", "vendor_api", "alertmanager"}))
    return;
  if (!probes.IsMap()) return;
  if (probes["pipeline"].IsDefined())
    config.pipeline = ParsePipelineSection(r, probes["pipeline"], "probes.pipeline");
  if (probes["market_data"].IsDefined())
    config.market_data = ParseMarketDataSection(r, probes["market_data"], "probes.market_data");
  if (probes["ready_signal"].IsDefined())
    config.ready_signal = ParseReadySignalSection(r, probes["ready_signal"], "probes.ready_signal");
  if (probes["backups"].IsDefined()) config.backups = ParseBackupsSection(r, probes["backups"], "probes.backups");
  if (probes["websocket"].IsDefined())
    config.websocket = ParseWebSocketSection(r, probes["websocket"], "probes.websocket");
  if (probes["vendor_api"].IsDefined())
    config.vendor_api = ParseVendorApiSection(r, probes["vendor_api"], "probes.vendor_api");
  if (probes["alertmanager"].IsDefined())
    config.alertmanager = ParseAlertmanagerSection(r, probes["alertmanager"], "probes.alertmanager");
  // The signal table and the handover are read where the market-data probe reads the L0 bars.
  if (config.ready_signal && !config.ready_signal->signal_table.empty() && !config.market_data)
    r.Error(probes["ready_signal"]["signal_table"], "probes.ready_signal.signal_table",
            "is read from probes.market_data's database: configure probes.market_data");
  if (config.ready_signal && config.ready_signal->handover) {
    const YAML::Node at = probes["ready_signal"]["handover"];
    if (!config.market_data) {
      r.Error(at, "probes.ready_signal.handover",
              "reads the L0 bars through probes.market_data's source and table: configure probes.market_data");
    } else if (config.ready_signal->handover->symbol.empty() && !config.market_data->symbols.empty()) {
      config.ready_signal->handover->symbol = config.market_data->symbols.front();
    }
  }
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
    if (root["calendar"].IsDefined()) config.calendar = ParseCalendarSection(r, root["calendar"], "calendar");
    const YAML::Node storage = root["storage"];
    if (storage.IsDefined() && r.Map(storage, "storage", {"path"}))
      config.storage_path = r.FilePath(storage, "storage", "path").value_or("");
    if (root["probes"].IsDefined()) ParseProbes(r, root["probes"], config);
    if (root["control"].IsDefined()) config.control = ParseControlSection(r, root["control"], "control");
  }
  if (load.errors.empty()) load.config = std::move(config);
  return load;
}

}  // namespace

ConfigLoad LoadConfigText(const std::string& text, const std::string& file) {
  return ParseGuarded<ConfigLoad>(text, file, Parse);
}

ConfigLoad LoadConfigFile(const std::string& path) {
  return ParseGuardedFile<ConfigLoad>(path, "the config file", "give its path with --config.file", Parse);
}

}  // namespace usdcop
