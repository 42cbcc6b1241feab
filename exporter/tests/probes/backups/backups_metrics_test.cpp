// probes/backups/backups_metrics.cpp: the backups probe's metrics, to the byte: its golden file.
#include <gtest/gtest.h>

#include "support/golden.h"
#include "support/render_text.h"

namespace usdcop {
namespace {

// -- The golden file: fixtures/backups.prom (support/golden.h)
// ---------------------------------------

// L0: listed, every figure, its newest set failing two checks; L1: listed, no complete set yet,
// its integrity not known; L2: its directory unreadable, verified before.
BackupsResult GoldenBackups() {
  BackupLayerResult l0;
  l0.layer = "L0";
  l0.max_age_seconds = 86400;
  l0.listed = true;
  l0.present = true;
  l0.newest_timestamp = 1795478400;
  l0.oldest_timestamp = 1794873600;
  l0.newest_size_bytes = 52428800;
  l0.newest_files = 7;
  l0.integrity_ok = false;
  l0.failures[static_cast<size_t>(IntegrityReason::kSizeMismatch)] = 1;
  l0.failures[static_cast<size_t>(IntegrityReason::kUnlisted)] = 2;
  l0.gaps = 1;
  l0.verified_bytes_total = 367001600;
  l0.last_verification = 1795480000.5;
  BackupLayerResult l1;
  l1.layer = "L1";
  l1.max_age_seconds = 604800;
  l1.listed = true;
  BackupLayerResult l2;
  l2.layer = "L2";
  l2.max_age_seconds = 86400;
  l2.verified_bytes_total = 1048576;
  l2.last_verification = 1795400000;
  BackupsResult r;
  r.layers = {l0, l1, l2};
  return r;
}

const Golden kBackupsGolden{"backups", [] { return RenderText(GoldenBackups()); }};
[[maybe_unused]] const bool kBackupsGoldenRegistered = RegisterGolden(kBackupsGolden);

TEST(BackupsMetricsTest, MatchesItsGoldenFileAndTheContract) { ExpectGolden(kBackupsGolden); }

}  // namespace
}  // namespace usdcop
