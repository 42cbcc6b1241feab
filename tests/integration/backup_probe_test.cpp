// The backup probe end to end: pipeline-sim writes backup sets with manifests, the real exporter
// checks them, and each fault of the simulator moves exactly its metric and reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;

const std::string kLayer = "{layer=\"L0\"}";
std::string Failures(const char* reason) {
  return std::string("usdcop_backup_integrity_failures{layer=\"L0\",reason=\"") + reason + "\"}";
}
constexpr const char* kReasons[] = {"missing", "size_mismatch", "digest_mismatch", "unlisted",
                                    "bad_manifest"};

class BackupProbeIT : public ::testing::Test {
 protected:
  // Sets every `cadence` (the newest of which the faults damage), `backfill` of them at start.
  void Start(const std::string& cadence, const std::string& format) {
    stack_.StartSim({"--backups.dir", stack_.File("backups"), "--backups.cadence", cadence,
                     "--backups.backfill", "4", "--backups.format", format, "--backups.files", "3",
                     "--backups.file-size", "64KiB"});
    stack_.WriteConfig(
        "probes:\n  backups:\n    interval: 1s\n    timeout: 800ms\n    full_reverify: 1h\n"
        "    layers: [{layer: L0, path: backups/l0, cadence: " +
        cadence + ", retention: 30d}]\n");
    stack_.StartExporter();
    ASSERT_TRUE(stack_.WaitForValue("usdcop_backup_integrity_ok" + kLayer, 1, 20s))
        << stack_.exporter().Log();
  }
  // Applies a fault to the newest set and waits until `reason` counts one failure; every other
  // reason must stay at 0.
  void ExpectOnly(const std::string& fault, const char* reason) {
    stack_.Sim("/sim/backups/fault", R"({"fault": ")" + fault + R"("})");
    ASSERT_TRUE(stack_.WaitForValue(Failures(reason), 1, 15s)) << fault << "\n"
                                                               << stack_.exporter().Log();
    Series s = stack_.Scrape();
    EXPECT_EQ(s["usdcop_backup_integrity_ok" + kLayer], 0) << fault;
    for (const char* other : kReasons) {
      if (std::string(other) == reason) continue;
      EXPECT_EQ(s[Failures(other)], 0) << fault << " moved " << other;
    }
    EXPECT_EQ(s["usdcop_probe_success{probe=\"backups\"}"], 1)
        << fault;  // a finding, not a probe failure
  }
  // A fresh intact set becomes the newest.
  void NewSet() {
    stack_.Sim("/sim/backups/create", "{}");
    ASSERT_TRUE(stack_.WaitForValue("usdcop_backup_integrity_ok" + kLayer, 1, 15s))
        << stack_.exporter().Log();
  }
  Stack stack_;
};

TEST_F(BackupProbeIT, EachFaultMovesExactlyItsReason) {
  Start("1h", "json");
  Series s = stack_.Scrape();
  EXPECT_EQ(s["usdcop_backup_present" + kLayer], 1);
  EXPECT_EQ(s["usdcop_backup_files" + kLayer], 3);
  EXPECT_EQ(s["usdcop_backup_size_bytes" + kLayer], 3 * 65536);
  EXPECT_EQ(s["usdcop_backup_gaps" + kLayer], 0);
  EXPECT_EQ(s["usdcop_backup_max_age_seconds" + kLayer], 3600);  // no max_age: the cadence
  EXPECT_GE(s["usdcop_backup_verified_bytes_total" + kLayer], 3 * 65536);
  EXPECT_GT(s["usdcop_backup_last_timestamp_seconds" + kLayer],
            s["usdcop_backup_oldest_timestamp_seconds" + kLayer]);

  ExpectOnly("flip_byte", "digest_mismatch");
  NewSet();
  ExpectOnly("truncate", "size_mismatch");
  NewSet();
  ExpectOnly("delete_file", "missing");
  NewSet();
  ExpectOnly("unlisted_file", "unlisted");
  NewSet();
  ExpectOnly("break_manifest", "bad_manifest");

  EXPECT_EQ(stack_.CheckContract(stack_.ScrapeText(), {"usdcop_backup_"}), "");
}

TEST_F(BackupProbeIT, ASkippedPeriodIsAGapAndSha256SumsManifestsWorkToo) {
  Start("2s", "sha256sums");
  ASSERT_EQ(stack_.Scrape()["usdcop_backup_gaps" + kLayer], 0);
  stack_.Sim("/sim/backups/fault", R"({"fault": "skip_period"})");
  ASSERT_TRUE(stack_.WaitForValue("usdcop_backup_gaps" + kLayer, 1, 15s))
      << stack_.exporter().Log();
  // The sets after the skipped period are written and intact again.
  EXPECT_TRUE(stack_.WaitForValue("usdcop_backup_integrity_ok" + kLayer, 1, 10s));
  EXPECT_EQ(stack_.Scrape()["usdcop_backup_gaps" + kLayer], 1);
}

}  // namespace
}  // namespace usdcop::testing
