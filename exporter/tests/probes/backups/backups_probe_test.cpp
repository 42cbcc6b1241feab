#include "probes/backups/backups_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

SysTime T(const char* iso) { return *ParseTimestamp(iso); }
double S(const char* iso) { return ToUnixSeconds(T(iso)); }
std::uint64_t Fail(const BackupLayerResult& l, IntegrityReason r) {
  return l.failures[static_cast<size_t>(r)];
}

class BackupProbeTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(StateStore::Open(dir_.File("state.db"))).value(); }

  // A set named `name` with two files and its SHA256SUMS.
  void Set(const std::string& name, bool manifest = true) {
    const fs::path set = fs::path(dir_.File("l0")) / name;
    fs::create_directories(set);
    std::ofstream(set / "market_data.csv.gz") << "time,close\n" << name << ",4000\n";
    std::ofstream(set / "empty.bin");  // a 0-byte file is a valid file
    if (!manifest) return;
    std::ofstream sums(set / "SHA256SUMS");
    for (const char* f : {"market_data.csv.gz", "empty.bin"}) {
      std::ifstream in(set / f, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      sums << Sha256Hex(bytes) << "  " << f << "\n";
    }
  }
  BackupsProbeConfig Config(bool trading_days_only = false) {
    BackupsProbeConfig c;
    c.layers = {BackupLayerConfig{"L0", dir_.File("l0"), 6h, std::chrono::hours(24 * 3),
                                  trading_days_only}};
    return c;
  }
  ProbeOutcome Run(BackupsProbe& p) {
    return p.Run(ProbeContext{Deadline::After(10s), clock_, log_});
  }
  static const BackupLayerResult& L(const ProbeOutcome& o) {
    return std::get<BackupsResult>(o.result).layers.at(0);
  }

  TempDir dir_;
  std::unique_ptr<StateStore> store_;
  std::shared_ptr<const TradingCalendar> calendar_ = *TradingCalendar::Create(CalendarConfig{});
  FakeClock clock_{T("2026-11-24T13:00:00Z")};  // a Tuesday
  Logger log_{LogLevel::kError};
};

TEST_F(BackupProbeTest, SetsOnTheCadenceAreIntactAndGapless) {
  for (const char* s : {"20261123_120000", "20261123_180000", "20261124_000000", "20261124_060000",
                        "20261124_120000"})
    Set(s);
  BackupsProbe probe(Config(), calendar_, *store_, clock_, log_);
  ProbeOutcome out = Run(probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  const BackupLayerResult& l = L(out);
  EXPECT_TRUE(l.present);
  EXPECT_EQ(*l.newest_timestamp, S("2026-11-24T12:00:00Z"));
  EXPECT_EQ(*l.oldest_timestamp, S("2026-11-23T12:00:00Z"));
  EXPECT_EQ(*l.newest_files, 2u);
  EXPECT_EQ(*l.newest_size_bytes, 32u);  // "time,close\n" + "20261124_120000,4000\n", and 0 bytes
  EXPECT_EQ(l.integrity_ok, true);
  EXPECT_EQ(l.gaps, 0);
  EXPECT_EQ(l.verified_bytes_total, 32);
  EXPECT_EQ(*l.last_verification, S("2026-11-24T13:00:00Z"));

  // Unchanged: nothing hashed again; the counter survives a new probe (a restart).
  out = Run(probe);
  EXPECT_EQ(L(out).verified_bytes_total, 32);
  BackupsProbe restarted(Config(), calendar_, *store_, clock_, log_);
  EXPECT_EQ(L(Run(restarted)).verified_bytes_total, 32);
}

TEST_F(BackupProbeTest, MissedPeriodsAreGapsUnlessTheDayHasNoSession) {
  // Friday 2026-11-20 to Tuesday: the weekend's periods and Monday 06:00 are missing.
  for (const char* s : {"20261120_000000", "20261120_060000", "20261120_120000", "20261120_180000",
                        "20261123_000000", "20261123_120000", "20261123_180000", "20261124_000000",
                        "20261124_060000"})
    Set(s);
  BackupsProbeConfig c = Config();
  c.layers[0].retention = std::chrono::hours(24 * 7);
  BackupsProbe every_day(c, calendar_, *store_, clock_, log_);
  // Periods from Fri 00:00 to Tue 06:00 (the last ended one): 18, of which 9 have a set.
  EXPECT_EQ(L(Run(every_day)).gaps, 9);
  // Periods starting on a Saturday or Sunday in Bogota (UTC-5) are not expected: Sat 06:00Z to
  // Mon 00:00Z. Sat 00:00Z is Friday 19:00 there, and Mon 06:00Z is Monday 01:00: 2 gaps remain.
  c.layers[0].trading_days_only = true;
  BackupsProbe trading(c, calendar_, *store_, clock_, log_);
  EXPECT_EQ(L(Run(trading)).gaps, 2);
}

TEST_F(BackupProbeTest, RetentionBoundsTheGapsAndTheNewestSetIsCheckedWhateverItHolds) {
  Set("20261101_000000");  // long before the 3-day retention: not where gaps start
  Set("20261124_000000");
  Set("20261124_060000", /*manifest=*/false);  // being written, or broken
  BackupsProbe probe(Config(), calendar_, *store_, clock_, log_);
  ProbeOutcome out = Run(probe);
  const BackupLayerResult& l = L(out);
  EXPECT_TRUE(l.present);  // an older set is complete
  EXPECT_EQ(l.gaps, 1);    // 06:00 has no complete set; 00:00 does; 12:00 has not ended
  EXPECT_EQ(*l.oldest_timestamp, S("2026-11-01T00:00:00Z"));
  EXPECT_EQ(l.integrity_ok, false);
  EXPECT_EQ(Fail(l, IntegrityReason::kBadManifest), 1u);
}

TEST_F(BackupProbeTest, AFlippedByteIsADigestMismatchOfTheNewestSet) {
  Set("20261124_000000");
  Set("20261124_060000");
  {
    std::fstream f(dir_.File("l0/20261124_060000/market_data.csv.gz"),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3);
    f.put('X');
  }
  BackupsProbe probe(Config(), calendar_, *store_, clock_, log_);
  ProbeOutcome out = Run(probe);
  EXPECT_TRUE(out.status.ok()) << out.status.ToString();  // a finding, not a probe failure
  EXPECT_EQ(L(out).integrity_ok, false);
  EXPECT_EQ(Fail(L(out), IntegrityReason::kDigestMismatch), 1u);
  EXPECT_EQ(Fail(L(out), IntegrityReason::kMissing), 0u);
}

TEST_F(BackupProbeTest, AnEmptyOrMissingDirectory) {
  fs::create_directories(dir_.File("l0"));
  BackupsProbe probe(Config(), calendar_, *store_, clock_, log_);
  ProbeOutcome out = Run(probe);
  EXPECT_TRUE(out.status.ok());
  EXPECT_TRUE(L(out).listed);
  EXPECT_FALSE(L(out).present);
  EXPECT_FALSE(L(out).integrity_ok);

  fs::remove_all(dir_.File("l0"));
  out = Run(probe);
  EXPECT_EQ(out.status.reason(), Reason::kIo);
  EXPECT_THAT(out.status.message(), ::testing::HasSubstr("(check probes.backups.layers[].path)"));
  EXPECT_FALSE(L(out).listed);
  EXPECT_FALSE(L(out).present);
}

TEST_F(BackupProbeTest, ATenThousandFileSetIsCheckedOnceThenFromTheCache) {
  const fs::path set = fs::path(dir_.File("l0")) / "20261124_060000";
  fs::create_directories(set / "parts");
  std::ofstream sums(set / "SHA256SUMS");
  for (int i = 0; i < 10000; ++i) {
    const std::string name = "parts/p" + std::to_string(i) + ".csv",
                      body = "bar," + std::to_string(i) + "\n";
    std::ofstream(set / name) << body;
    sums << Sha256Hex(body) << "  " << name << "\n";
  }
  sums.close();
  BackupsProbe probe(Config(), calendar_, *store_, clock_, log_);
  ProbeOutcome out = Run(probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(*L(out).newest_files, 10000u);
  EXPECT_EQ(L(out).integrity_ok, true);
  const double hashed = L(out).verified_bytes_total;
  EXPECT_GT(hashed, 0);

  fs::remove(set / "parts/p4242.csv");
  out = Run(probe);
  EXPECT_EQ(L(out).verified_bytes_total, hashed);  // nothing hashed again
  EXPECT_EQ(L(out).integrity_ok, false);
  EXPECT_EQ(Fail(L(out), IntegrityReason::kMissing), 1u);
  EXPECT_EQ(Fail(L(out), IntegrityReason::kDigestMismatch), 0u);
}

}  // namespace
}  // namespace usdcop
