#include "actions/backup_actions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kBars = "time,close\n2026-11-25T06:00:00Z,4100.5\n";

// Every path below `dir`, for "nothing was written here" checks.
std::vector<std::string> Listing(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

class TestRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(set_);
    fs::create_directories(outside_ / "dir");
    std::ofstream(set_ / "bars.csv") << kBars;
    std::ofstream(set_ / "SHA256SUMS") << Sha256Hex(kBars) << "  bars.csv\n";
    std::ofstream(outside_ / "secret") << "not part of any set";
    std::ofstream(outside_ / "dir/inner") << "nor this";
  }

  std::uintmax_t SetBytes() const {
    return fs::file_size(set_ / "bars.csv") + fs::file_size(set_ / "SHA256SUMS");
  }

  ActionResult Run() {
    const json params = json::object();
    return TestRecovery(ActionCall{caller_, params, Deadline::After(10s)}, layer_,
                        scratch_.string(), clock_);
  }

  TempDir dir_;
  const fs::path root_ = dir_.File("backups/L0");
  const fs::path set_ = root_ / "20261125_060000";
  const fs::path outside_ = dir_.File("outside");
  const fs::path scratch_ = dir_.File("scratch");
  const BackupLayerConfig layer_{"L0", root_.string()};
  const Caller caller_{"ops", ControlRole::kOperator};
  FakeClock clock_{SysTime(std::chrono::seconds(1'795'000'000))};
};

TEST_F(TestRecoveryTest, AnIntactSetIsRecoveredAndTheCopyRemoved) {
  ActionResult r = Run();
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body["recovered"], true) << r.body.dump();
  EXPECT_EQ(r.body["files_copied"], 2) << "the file and the manifest";
  EXPECT_EQ(r.body["bytes_copied"], SetBytes());
  EXPECT_EQ(r.body["verification"]["files_hashed"], 1);
  EXPECT_TRUE(fs::is_empty(scratch_));
}

TEST_F(TestRecoveryTest, SymlinksOutOfTheRootAreNotCopiedAndAreBadManifest) {
  fs::create_symlink(outside_ / "secret", set_ / "link");
  fs::create_directory_symlink(outside_ / "dir", set_ / "linkdir");
  const std::vector<std::string> outside_before = Listing(outside_);
  ActionResult r = Run();
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body["recovered"], false) << r.body.dump();
  EXPECT_THAT(r.summary, HasSubstr("recovery FAILED for L0"));
  const json& v = r.body["verification"];
  EXPECT_EQ(v["failures"]["bad_manifest"], 2) << v.dump();
  EXPECT_EQ(v["failures"]["unlisted"], 0) << "the symlinks were not copied: " << v.dump();
  EXPECT_EQ(v["files_hashed"], 1) << v.dump();
  ASSERT_EQ(v["details"].size(), 2u) << v.dump();
  for (const json& d : v["details"]) {
    EXPECT_EQ(d["reason"], "bad_manifest");
    EXPECT_THAT(d["detail"].get<std::string>(), HasSubstr("not copied")) << d.dump();
  }
  EXPECT_EQ(r.body["files_copied"], 2);
  EXPECT_EQ(r.body["bytes_copied"], SetBytes()) << "nothing read through a symlink";
  EXPECT_EQ(Listing(outside_), outside_before) << "nothing written outside the scratch directory";
  EXPECT_TRUE(fs::is_empty(scratch_));
}

TEST_F(TestRecoveryTest, ASetListingAFileThroughASymlinkLacksItInTheCopy) {
  fs::create_symlink(outside_ / "secret", set_ / "link");
  std::ofstream(set_ / "SHA256SUMS", std::ios::app)
      << Sha256Hex("not part of any set") << "  link\n";
  ActionResult r = Run();
  EXPECT_EQ(r.body["recovered"], false) << r.body.dump();
  const json& v = r.body["verification"];
  EXPECT_EQ(v["failures"]["bad_manifest"], 1) << v.dump();
  EXPECT_EQ(v["failures"]["missing"], 1) << "the copy lacks it: " << v.dump();
  EXPECT_EQ(v["details"][0]["path"], "link") << v.dump();
}

TEST_F(TestRecoveryTest, ALayerWithoutASetIs409) {
  fs::remove_all(set_);
  ActionResult r = Run();
  EXPECT_EQ(r.code, 409);
  EXPECT_THAT(r.body["error"].get<std::string>(), HasSubstr("no backup set of L0"));
}

}  // namespace
}  // namespace usdcop
