// The backups probe's result as the control API shows it.
#include <nlohmann/json.hpp>

#include "probes/backups/backups_kind.h"
#include "probes/view_json.h"

namespace usdcop {
namespace {

using nlohmann::json;
using view_json::AgeOf;
using view_json::ArrayOf;
using view_json::Opt;
using view_json::OptInt;

json BackupLayerJson(const BackupLayerResult& b, double now) {
  json failures = json::object();
  for (IntegrityReason r : kAllIntegrityReasons)
    failures[std::string(IntegrityReasonName(r))] = b.failures[static_cast<size_t>(r)];
  return {{"layer", b.layer},
          {"present", b.present},
          {"newest", Opt(b.newest_timestamp)},
          {"newest_age_seconds", AgeOf(b.newest_timestamp, now)},
          {"oldest", Opt(b.oldest_timestamp)},
          {"retention_reach_seconds", AgeOf(b.oldest_timestamp, now)},
          {"size_bytes", OptInt(b.newest_size_bytes)},
          {"files", OptInt(b.newest_files)},
          {"integrity_ok", b.integrity_ok ? json(*b.integrity_ok) : json()},
          {"integrity_failures", failures},
          {"gaps", b.gaps},
          {"last_verification", Opt(b.last_verification)}};
}

}  // namespace

json BackupsKind::View(const BackupsResult& result, double now) {
  return {{"layers", ArrayOf(result.layers, [now](const BackupLayerResult& l) {
             return BackupLayerJson(l, now);
           })}};
}

}  // namespace usdcop
