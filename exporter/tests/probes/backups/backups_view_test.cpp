// probes/backups/backups_view.cpp: each layer's backup sets as the control API shows them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "probes/backups/backups_kind.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kNow = 1'700'000'000;

TEST(BackupsViewTest, EveryFigureOfALayerAndEveryIntegrityReasonCounted) {
  BackupLayerResult l0;
  l0.layer = "L0";
  l0.listed = true;
  l0.present = true;
  l0.newest_timestamp = kNow - 3600;
  l0.oldest_timestamp = kNow - 86400 * 7;
  l0.newest_size_bytes = 5000;
  l0.newest_files = 3;
  l0.integrity_ok = false;
  l0.failures[static_cast<size_t>(IntegrityReason::kSizeMismatch)] = 2;
  l0.gaps = 1;
  l0.last_verification = kNow - 60;
  BackupsResult b;
  b.layers = {l0, BackupLayerResult{.layer = "L1"}};
  const json v = BackupsKind::View(b, kNow);
  ASSERT_EQ(v["layers"].size(), 2u);
  const json& layer = v["layers"][0];
  EXPECT_EQ(layer["layer"], "L0");
  EXPECT_EQ(layer["present"], true);
  EXPECT_EQ(layer["newest"], kNow - 3600);
  EXPECT_EQ(layer["newest_age_seconds"], 3600);
  EXPECT_EQ(layer["retention_reach_seconds"], 86400 * 7);
  EXPECT_EQ(layer["size_bytes"], 5000);
  EXPECT_EQ(layer["files"], 3);
  EXPECT_EQ(layer["integrity_ok"], false);
  EXPECT_EQ(layer["gaps"], 1);
  EXPECT_EQ(layer["last_verification"], kNow - 60);
  ASSERT_EQ(layer["integrity_failures"].size(), kAllIntegrityReasons.size());
  for (IntegrityReason r : kAllIntegrityReasons)
    EXPECT_EQ(layer["integrity_failures"][std::string(IntegrityReasonName(r))],
              r == IntegrityReason::kSizeMismatch ? 2 : 0);
  const json& unknown = v["layers"][1];
  for (const char* field : {"newest", "newest_age_seconds", "oldest", "retention_reach_seconds",
                            "size_bytes", "files", "integrity_ok", "last_verification"})
    EXPECT_TRUE(unknown[field].is_null()) << field;
}

}  // namespace
}  // namespace usdcop
