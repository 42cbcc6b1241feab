// `usdcop_exporter verify-backup PATH`, the operator's check of a backup set, run as a process:
// its report and exit code for an intact set, for each kind of damage, and for a file the user
// running it may not read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/process.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class VerifyBackupIT : public ::testing::Test {
 protected:
  void SetUp() override {
    set_ = fs::path(stack_.File("l0")) / "20261124_060000";
    fs::create_directories(set_);
    stack_.WriteFile("l0/20261124_060000/market_data.csv",
                     "time,close\n2026-11-24T13:00:00Z,4000\n");
    stack_.WriteFile("l0/20261124_060000/empty.bin", "");
    CommandResult sums = RunCommand(
        {"sh", "-c",
         "cd '" + set_.string() + "' && sha256sum market_data.csv empty.bin > SHA256SUMS"},
        "");
    ASSERT_EQ(sums.exit_code, 0) << sums.output;
  }
  CommandResult Verify(const std::string& path, const std::vector<std::string>& as_user = {}) {
    std::vector<std::string> argv = as_user;
    argv.insert(argv.end(), {USDCOP_EXPORTER_BIN, "verify-backup", path});
    return RunCommand(argv, "");
  }
  Stack stack_;
  fs::path set_;
};

TEST_F(VerifyBackupIT, AnIntactSetThenEachKindOfDamage) {
  CommandResult ok = Verify(stack_.File("l0"));  // the layer's directory: its newest set
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("SHA256SUMS, 2 files listed"));
  EXPECT_THAT(ok.output, HasSubstr("INTACT"));

  stack_.WriteFile("l0/20261124_060000/stray.tmp", "x");
  stack_.WriteFile("l0/20261124_060000/market_data.csv",
                   "time,close\n2026-11-24T13:00:00Z,4001\n");  // same size
  CommandResult bad = Verify(set_.string());
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("FAIL        digest_mismatch  market_data.csv"));
  EXPECT_THAT(bad.output, HasSubstr("FAIL        unlisted  stray.tmp"));
  EXPECT_THAT(bad.output, HasSubstr("NOT INTACT: digest_mismatch=1 unlisted=1"));

  fs::remove(set_ / "stray.tmp");
  fs::remove(set_ / "empty.bin");
  stack_.WriteFile("l0/20261124_060000/SHA256SUMS", "not a checksum line\n");
  bad = Verify(set_.string());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("NOT INTACT: bad_manifest=1"));

  stack_.WriteFile(
      "l0/20261124_060000/SHA256SUMS",
      "0000000000000000000000000000000000000000000000000000000000000000  ../../etc/passwd\n");
  bad = Verify(set_.string());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("bad_manifest"));
  EXPECT_THAT(bad.output, HasSubstr("checked     0 bytes present, 0 hashed"));  // nothing was read

  CommandResult none = Verify(stack_.File("no-such-dir"));
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.output, HasSubstr("not a directory"));
}

TEST_F(VerifyBackupIT, AFileTheUserMayNotReadIsMissingWithTheReason) {
  fs::permissions(set_ / "market_data.csv", fs::perms::none);
  std::vector<std::string> as_user;
  if (::geteuid() == 0) {
    // root reads anything: run it as nobody, who may walk the directory but not read the file.
    // (Only the test's own directories are opened up; the temp directory above them is 1777.)
    for (fs::path p = set_; p != fs::path(stack_.Dir()).parent_path(); p = p.parent_path())
      fs::permissions(p, fs::perms::others_read | fs::perms::others_exec, fs::perm_options::add);
    fs::permissions(set_ / "SHA256SUMS", fs::perms::others_read, fs::perm_options::add);
    fs::permissions(set_ / "empty.bin", fs::perms::others_read, fs::perm_options::add);
    as_user = {"runuser", "-u", "nobody", "--"};
  }
  CommandResult r = Verify(set_.string(), as_user);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("FAIL        missing  market_data.csv"));
  EXPECT_THAT(r.output, HasSubstr("Permission denied"));
}

}  // namespace
}  // namespace usdcop::testing
