// probes.ready_signal: the L0 -> WebSocket ready signal, a flag file or a signal directory.
#include "config/sections.h"

namespace usdcop {

std::optional<ReadySignalProbeConfig> ParseReadySignalSection(FieldReader& r, const YAML::Node& node,
                                                              const std::string& path) {
  if (!r.Map(node, path, {"interval", "timeout", "flag_file", "signal_dir", "signal_type"})) return std::nullopt;
  ReadySignalProbeConfig c;
  c.interval = r.Dur(node, path, "interval").value_or(c.interval);
  c.timeout = r.Dur(node, path, "timeout").value_or(c.timeout);
  CheckTimeoutBelowInterval(r, node, path, c.interval, c.timeout);
  c.flag_file = r.FilePath(node, path, "flag_file").value_or("");
  c.signal_dir = r.FilePath(node, path, "signal_dir").value_or("");
  c.signal_type = r.String(node, path, "signal_type").value_or(c.signal_type);
  if (c.flag_file.empty() == c.signal_dir.empty())
    r.Error(node, path, "give exactly one of flag_file (e.g. /data/ready-signals/l0_ready.flag) or signal_dir");
  if (node.IsMap() && node["signal_type"].IsDefined() && c.signal_dir.empty())
    r.Error(node["signal_type"], Join(path, "signal_type"), "goes with signal_dir");
  return c;
}

}  // namespace usdcop
