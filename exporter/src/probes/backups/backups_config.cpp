// probes.backups: per layer, the directory of backup sets, its cadence and retention.
#include "config/sections.h"
#include "probes/backups/backups_kind.h"

namespace usdcop {
namespace {

std::optional<BackupLayerConfig> ParseBackupLayer(FieldReader& r, const YAML::Node& node,
                                                  const std::string& path) {
  if (!r.Map(node, path, {"layer", "path", "cadence", "retention", "max_age", "trading_days_only"}))
    return std::nullopt;
  BackupLayerConfig l;
  l.layer = ParseLayerName(r, node, path);
  l.path = r.FilePath(node, path, "path", true).value_or("");
  l.cadence = r.Dur(node, path, "cadence").value_or(l.cadence);
  l.retention = r.Dur(node, path, "retention").value_or(l.retention);
  l.max_age = r.Dur(node, path, "max_age").value_or(l.cadence);
  l.trading_days_only = r.Bool(node, path, "trading_days_only").value_or(false);
  if (l.retention < l.cadence)
    r.Error(FieldReader::At(node, "retention"), Join(path, "retention"),
            FormatDuration(l.retention) + " is shorter than cadence " + FormatDuration(l.cadence));
  return l;
}

}  // namespace

std::optional<BackupsProbeConfig> BackupsKind::Parse(FieldReader& r, const YAML::Node& node,
                                                     const std::string& path) {
  if (!r.Map(node, path,
             {"interval", "timeout", "max_bytes_per_second", "full_reverify", "layers"}))
    return std::nullopt;
  BackupsProbeConfig c;
  c.interval = r.Dur(node, path, "interval").value_or(c.interval);
  c.timeout = r.Dur(node, path, "timeout").value_or(c.timeout);
  CheckTimeoutBelowInterval(r, node, path, c.interval, c.timeout);
  c.max_bytes_per_second =
      r.Size(node, path, "max_bytes_per_second").value_or(c.max_bytes_per_second);
  c.full_reverify =
      r.Dur(node, path, "full_reverify", false, /*allow_zero=*/true).value_or(c.full_reverify);
  c.layers = ParseLayerList(r, node, Join(path, "layers"), "{layer, path, cadence, retention}",
                            ParseBackupLayer);
  return c;
}

}  // namespace usdcop
