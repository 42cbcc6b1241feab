// usdcop_backup_*: from the backup probe's result.
#include "exposition/family_builder.h"
#include "probes/backups/backups_kind.h"

namespace usdcop {

void BackupsKind::Render(const BackupsResult& result, FamilyBuilder& out) {
  for (const BackupLayerResult& l : result.layers) {
    const Labels id = {{"layer", l.layer}};
    out.Gauge("usdcop_backup_present",
              "1 if at least one complete backup set (with a manifest) exists.", id,
              l.present ? 1 : 0);
    out.Counter("usdcop_backup_verified_bytes_total", "Bytes of backup files hashed.", id,
                l.verified_bytes_total);
    out.Gauge(
        "usdcop_backup_max_age_seconds",
        "The allowed age of the layer's newest backup set (its max_age, by default its cadence): "
        "BackupTooOld's threshold.",
        id, l.max_age_seconds);
    if (l.last_verification)
      out.Gauge("usdcop_backup_last_verification_timestamp_seconds",
                "When a check of the newest set last completed.", id, *l.last_verification);
    if (!l.listed) continue;
    out.Gauge("usdcop_backup_gaps",
              "Cadence periods without a complete set, from the oldest set within retention.", id,
              static_cast<double>(l.gaps));
    if (l.newest_timestamp)
      out.Gauge("usdcop_backup_last_timestamp_seconds",
                "Time of the newest backup set (from its name).", id, *l.newest_timestamp);
    if (l.oldest_timestamp)
      out.Gauge("usdcop_backup_oldest_timestamp_seconds", "Time of the oldest backup set kept.", id,
                *l.oldest_timestamp);
    if (l.newest_size_bytes)
      out.Gauge("usdcop_backup_size_bytes", "Bytes of the newest set's listed files.", id,
                static_cast<double>(*l.newest_size_bytes));
    if (l.newest_files)
      out.Gauge("usdcop_backup_files", "Files the newest set's manifest lists.", id,
                static_cast<double>(*l.newest_files));
    if (!l.integrity_ok) continue;
    out.Gauge("usdcop_backup_integrity_ok",
              "1 if every file of the newest set matches its manifest.", id,
              *l.integrity_ok ? 1 : 0);
    for (IntegrityReason r : kAllIntegrityReasons) {
      Labels labels = id;
      labels.emplace_back("reason", std::string(IntegrityReasonName(r)));
      out.Gauge("usdcop_backup_integrity_failures",
                "Integrity failures of the newest set by reason.", labels,
                static_cast<double>(l.failures[static_cast<size_t>(r)]));
    }
  }
}

}  // namespace usdcop
