// test-recovery of the real usdcop_exporter, over the control API on loopback, against a backup set
// holding symlinks out of the backup root: nothing is read or written through them, they are
// reported, and nothing is written outside the scratch directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/control_client.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr const char* kToken = "ops-recovery-tok-41c7";
constexpr const char* kBars = "time,close\n2026-11-25T06:00:00Z,4100.5\n";
// printf "time,close\n2026-11-25T06:00:00Z,4100.5\n" | sha256sum
constexpr const char* kBarsSha256 =
    "6107eac01253712add0f60c93a520c3ab9cdc2a90400ad034ce361d2aea3ea14";

// Every path below `dir` with its contents (a symlink by its target), for "nothing changed here".
std::vector<std::string> Snapshot(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::string line = e.path().string();
    if (e.is_symlink()) {
      line += " -> " + fs::read_symlink(e.path()).string();
    } else if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      line += " = " + text.str();
    }
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class RecoverySymlinksIT : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(set_);
    fs::create_directories(outside_ / "dir");
    std::ofstream(set_ / "bars.csv") << kBars;
    std::ofstream(set_ / "SHA256SUMS") << kBarsSha256 << "  bars.csv\n";
    std::ofstream(outside_ / "secret") << "outside the backup root";
    std::ofstream(outside_ / "dir/inner") << "outside too";
    stack_.WriteConfig(
        "probes:\n  backups:\n    interval: 1m\n    timeout: 30s\n    layers: [{layer: L0, path: " +
        root_.string() + "}]\ncontrol:\n  tokens:\n" + ControlTokenYaml("ops", kToken, "operator") +
        "  rate_limit: {per_second: 1000, burst: 1000}\n  scratch_dir: " + scratch_.string() +
        "\n");
    control_port_ = StartExporterWithControl(stack_);
    ASSERT_NE(control_port_, 0);
  }

  json TestRecovery() {
    httplib::Client client("127.0.0.1", control_port_);
    client.set_connection_timeout(3s);
    client.set_read_timeout(20s);
    auto r = client.Post("/api/backup/status", {{"Authorization", std::string("Bearer ") + kToken}},
                         R"({"action": "test-recovery", "layer": "L0"})", "application/json");
    if (!r) return {{"no_answer", httplib::to_string(r.error())}};
    json body = json::parse(r->body, nullptr, false);
    body["http_status"] = r->status;
    return body;
  }

  Stack stack_;
  const fs::path root_ = stack_.File("backups/L0");
  const fs::path set_ = root_ / "20261125_060000";
  const fs::path outside_ = stack_.File("outside");
  const fs::path scratch_ = stack_.File("scratch");
  int control_port_ = 0;
};

TEST_F(RecoverySymlinksIT, SymlinksToAFileAndADirectoryOutsideAreReportedNeverFollowed) {
  json clean = TestRecovery();
  ASSERT_EQ(clean["http_status"], 200) << clean.dump();
  ASSERT_EQ(clean["recovered"], true) << "the set without its symlinks recovers: " << clean.dump();

  fs::create_symlink(outside_ / "secret", set_ / "link");
  fs::create_directory_symlink(outside_ / "dir", set_ / "linkdir");
  const std::vector<std::string> outside_before = Snapshot(outside_);
  const std::vector<std::string> root_before = Snapshot(root_);
  json r = TestRecovery();
  ASSERT_EQ(r["http_status"], 200) << r.dump();
  EXPECT_EQ(r["recovered"], false) << r.dump();
  EXPECT_EQ(r["files_copied"], 2) << "bars.csv and SHA256SUMS only: " << r.dump();
  EXPECT_EQ(r["bytes_copied"], clean["bytes_copied"])
      << "nothing read through a symlink: " << r.dump();
  const json& v = r["verification"];
  EXPECT_EQ(v["failures"]["bad_manifest"], 2) << v.dump();
  std::vector<std::string> found;
  for (const json& d : v["details"]) {
    if (d["reason"] != "bad_manifest") continue;
    found.push_back(d["path"]);
    EXPECT_THAT(d["detail"].get<std::string>(), HasSubstr("a symlink to " + outside_.string()))
        << d.dump();
    EXPECT_THAT(d["detail"].get<std::string>(), HasSubstr("not copied")) << d.dump();
  }
  EXPECT_THAT(found, UnorderedElementsAre("link", "linkdir"));

  EXPECT_EQ(Snapshot(outside_), outside_before) << "nothing written outside the scratch directory";
  EXPECT_EQ(Snapshot(root_), root_before);
  EXPECT_TRUE(fs::is_empty(scratch_)) << "the copy is removed, and with it nothing of the targets";
}

}  // namespace
}  // namespace usdcop::testing
