// The control API's backup actions, on the exporter itself:
//   verify-integrity  hashes the newest set of each layer (or `layer`) now, every file, ignoring
//                     the probe's verification cache, within the probe's byte budget
//   test-recovery     copies the newest set of `layer` to a new directory in the scratch
//                     directory (CopySet: no symlink followed, nothing written outside it),
//                     verifies the copy there, removes it, and reports how long the copy and the
//                     check took; each symlink of the set is not copied and is a bad_manifest
//                     failure of the verification, so such a set is never "recovered"
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "control/api_types.h"
#include "probes/backups/backups_config.h"

namespace usdcop {

ActionResult VerifyIntegrityNow(const ActionCall& call,
                                const std::vector<BackupLayerConfig>& layers,
                                std::uint64_t max_bytes_per_second, const Clock& clock);
ActionResult TestRecovery(const ActionCall& call, const BackupLayerConfig& layer,
                          const std::string& scratch_dir, const Clock& clock);

}  // namespace usdcop
