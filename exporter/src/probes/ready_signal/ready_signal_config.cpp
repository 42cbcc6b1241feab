// probes.ready_signal: the L0 -> WebSocket ready signal, a flag file or a signal directory,
// and the handover (the WebSocket service's status endpoint).
#include <nlohmann/json.hpp>

#include "config/sections.h"
#include "probes/probe_kinds.h"
#include "sources/bar_source.h"

namespace usdcop {
namespace {

std::optional<HandoverConfig> ParseHandover(FieldReader& r, const YAML::Node& node,
                                            const std::string& path) {
  if (!r.Map(node, path, {"status_url", "last_bar_field", "symbol"})) return std::nullopt;
  HandoverConfig h;
  h.status_url =
      r.HttpUrl(node, path, "status_url", true, "http://127.0.0.1:8080/status").value_or("");
  if (auto field = r.String(node, path, "last_bar_field")) {
    try {
      (void)nlohmann::json::json_pointer(*field);
      if (field->empty()) throw std::invalid_argument("empty");
      h.last_bar_field = *field;
    } catch (const std::exception&) {
      r.Error(node["last_bar_field"], Join(path, "last_bar_field"),
              "\"" + *field +
                  "\" is not a JSON pointer (e.g. /last_published_bar or /market/last_bar)");
    }
  }
  h.symbol = r.String(node, path, "symbol").value_or("");
  return h;
}

}  // namespace

std::optional<ReadySignalProbeConfig> ReadySignalKind::Parse(FieldReader& r, const YAML::Node& node,
                                                             const std::string& path) {
  if (!r.Map(node, path,
             {"interval", "timeout", "flag_file", "signal_dir", "signal_table", "signal_type",
              "handover"}))
    return std::nullopt;
  ReadySignalProbeConfig c;
  c.interval = r.Dur(node, path, "interval").value_or(c.interval);
  c.timeout = r.Dur(node, path, "timeout").value_or(c.timeout);
  CheckTimeoutBelowInterval(r, node, path, c.interval, c.timeout);
  c.flag_file = r.FilePath(node, path, "flag_file").value_or("");
  c.signal_dir = r.FilePath(node, path, "signal_dir").value_or("");
  if (auto table = r.String(node, path, "signal_table")) {
    if (IsSqlIdentifier(*table, /*allow_schema=*/true))
      c.signal_table = *table;
    else
      r.Error(node["signal_table"], Join(path, "signal_table"),
              "\"" + *table + "\" is not a SQL identifier (e.g. l0_ready_signals)");
  }
  c.signal_type = r.String(node, path, "signal_type").value_or(c.signal_type);
  const int sources = !c.flag_file.empty() + !c.signal_dir.empty() +
                      (node.IsMap() && node["signal_table"].IsDefined());
  if (sources != 1)
    r.Error(node, path,
            "give exactly one of flag_file (e.g. /data/ready-signals/l0_ready.flag), signal_dir or "
            "signal_table");
  if (node.IsMap() && node["signal_type"].IsDefined() && !c.flag_file.empty())
    r.Error(node["signal_type"], Join(path, "signal_type"), "goes with signal_dir or signal_table");
  if (node.IsMap() && node["handover"].IsDefined())
    c.handover = ParseHandover(r, node["handover"], Join(path, "handover"));
  return c;
}

void ReadySignalKind::CrossCheck(FieldReader& r, const YAML::Node& probes, ProbeConfigs& all) {
  auto& ready_signal = all.Get<ReadySignalKind>();
  const auto& market_data = all.Get<MarketDataKind>();
  if (!ready_signal) return;
  if (!ready_signal->signal_table.empty() && !market_data)
    r.Error(probes["ready_signal"]["signal_table"], "probes.ready_signal.signal_table",
            "is read from probes.market_data's database: configure probes.market_data");
  if (!ready_signal->handover) return;
  if (!market_data) {
    r.Error(probes["ready_signal"]["handover"], "probes.ready_signal.handover",
            "reads the L0 bars through probes.market_data's source and table: configure "
            "probes.market_data");
  } else if (ready_signal->handover->symbol.empty() && !market_data->symbols.empty()) {
    ready_signal->handover->symbol = market_data->symbols.front();
  }
}

}  // namespace usdcop
