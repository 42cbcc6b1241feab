// The real usdcop_exporter is not dumpable (prctl PR_SET_DUMPABLE 0): no core dump holds its
// secrets. The flag cannot be read from outside, but the kernel shows it: the /proc/PID files of
// a process that is not dumpable belong to root, whoever runs it (proc(5), "/proc/pid"). That is
// only telling for a process that does not run as root, so as root the test runs the exporter,
// and a dumpable process to compare with, as nobody (setpriv).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/stack.h"

namespace usdcop::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr uid_t kNobody = 65534;
constexpr const char* kSetpriv = "/usr/bin/setpriv";

// The real uid of a process, from the first field of the "Uid:" line of /proc/PID/status.
std::optional<uid_t> RealUid(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Uid:", 0) != 0) continue;
    std::istringstream fields(line.substr(4));
    uid_t uid = 0;
    if (fields >> uid) return uid;
  }
  return std::nullopt;
}

// The owner of /proc/PID/status.
std::optional<uid_t> ProcOwner(pid_t pid) {
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(pid) + "/status").c_str(), &st) != 0) return std::nullopt;
  return st.st_uid;
}

class CoreDumpIT : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) return;  // run as ourselves
    if (!fs::exists(kSetpriv))
      GTEST_SKIP() << "running as root without " << kSetpriv << " to run the exporter as nobody";
    as_nobody_ = {kSetpriv, "--reuid=" + std::to_string(kNobody),
                  "--regid=" + std::to_string(kNobody), "--clear-groups"};
    // nobody reads the config and writes the state file in a directory of its own.
    fs::permissions(stack_.Dir(), fs::perms::owner_all | fs::perms::others_exec);
    fs::create_directories(dir_);
    ASSERT_EQ(::chown(dir_.c_str(), kNobody, kNobody), 0);
  }

  // `argv` run as nobody when the test runs as root.
  std::vector<std::string> AsNonRoot(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), as_nobody_.begin(), as_nobody_.end());
    return argv;
  }

  Stack stack_;
  const fs::path dir_ = stack_.File("nobody");
  std::vector<std::string> as_nobody_;
};

TEST_F(CoreDumpIT, TheRunningExporterIsNotDumpable) {
  std::ofstream(dir_ / "config.yml") << "";
  Process exporter(
      AsNonRoot({USDCOP_EXPORTER_BIN, "--config.file=" + (dir_ / "config.yml").string(),
                 "--web.listen-address=127.0.0.1:0",
                 "--storage.path=" + (dir_ / "state.db").string()}),
      stack_.File("exporter.log"));
  ASSERT_TRUE(exporter.WaitForLog("msg=(listening)", 10s)) << exporter.Log();
  // A process of the same user that keeps the default, to show what dumpable looks like.
  Process dumpable(AsNonRoot({"sleep", "60"}), stack_.File("sleep.log"));

  const std::optional<uid_t> uid = RealUid(exporter.pid());
  ASSERT_TRUE(uid);
  ASSERT_NE(*uid, 0u) << "as root, the owner of /proc/PID says nothing";
  ASSERT_TRUE(Eventually([&] { return RealUid(dumpable.pid()) == uid; }, 5s))
      << "the same user for both";
  // Between its setuid and its exec a child is not dumpable either (the kernel resets the flag at
  // exec), so this waits for the exec.
  EXPECT_TRUE(Eventually([&] { return ProcOwner(dumpable.pid()) == uid; }, 5s))
      << "a dumpable process owns its /proc/PID files";
  EXPECT_EQ(ProcOwner(exporter.pid()), 0u)
      << "the exporter's /proc/PID files belong to root: it is not dumpable";
  EXPECT_EQ(exporter.Stop(), 0) << exporter.Log();
}

}  // namespace
}  // namespace usdcop::testing
