// Files named in the config that are not files: the real usdcop_exporter given a secret `*_file`
// at /dev/zero or at a FIFO (--config.check and a reload), and a probe whose status file is a
// FIFO. Each must be refused at once with an error naming the file, never read or waited on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string AirflowWithPasswordFile(const std::string& file) {
  return "probes:\n  pipeline:\n    interval: 1s\n    timeout: 800ms\n"
         "    airflow: {url: http://127.0.0.1:9, username: admin, password_file: " +
         file +
         "}\n"
         "    layers: [{layer: L0, dag_id: d}]\n";
}

class SecretFilesIT : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0); }

  // --config.check of a config whose password_file is `file`, killed after 10 s.
  CommandResult ConfigCheck(const std::string& file) {
    stack_.WriteConfig(AirflowWithPasswordFile(file));
    return RunCommand(
        {USDCOP_EXPORTER_BIN, "--config.check", "--config.file=" + stack_.File("config.yml")}, "",
        10s);
  }

  Stack stack_;
  const std::string fifo_ = stack_.File("password.fifo");
};

TEST_F(SecretFilesIT, ConfigCheckRefusesDevZeroAndAFifoAtOnceNamingTheFile) {
  CommandResult zero = ConfigCheck("/dev/zero");
  EXPECT_EQ(zero.exit_code, 1) << "137 is a kill after 10 s, 134 an abort:\n" << zero.output;
  EXPECT_THAT(
      zero.output,
      HasSubstr(
          "probes.pipeline.airflow.password_file: cannot read /dev/zero: not a regular "
          "file (a character device); point password_file at a regular file of at most 64 KiB"));
  CommandResult fifo = ConfigCheck(fifo_);
  EXPECT_EQ(fifo.exit_code, 1) << "137 is a kill after 10 s:\n" << fifo.output;
  EXPECT_THAT(fifo.output, HasSubstr("probes.pipeline.airflow.password_file: cannot read " + fifo_ +
                                     ": not a regular file (a FIFO)"));
}

TEST_F(SecretFilesIT, AReloadToAFifoSecretFailsAtOnceAndTheNextReloadStillRuns) {
  stack_.WriteConfig(AirflowWithPasswordFile(stack_.File("airflow_password")));
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_config_last_reload_successful", 1));
  stack_.WriteConfig(AirflowWithPasswordFile(fifo_));
  stack_.exporter().Signal(SIGHUP);
  ASSERT_TRUE(stack_.WaitForValue("usdcop_config_last_reload_successful", 0))
      << stack_.exporter().Log();
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr(fifo_ + ": not a regular file (a FIFO)"));
  // The reload lock was not kept by a read of the FIFO: the next reload happens.
  stack_.WriteConfig(AirflowWithPasswordFile(stack_.File("airflow_password")));
  stack_.exporter().Signal(SIGHUP);
  EXPECT_TRUE(stack_.WaitForValue("usdcop_config_last_reload_successful", 1))
      << stack_.exporter().Log();
}

TEST_F(SecretFilesIT, AProbeStatusFileThatIsAFifoIsAnErrorNotAHang) {
  stack_.WriteConfig(
      "probes:\n  pipeline:\n    interval: 1s\n    timeout: 800ms\n    layers:\n"
      "      - {layer: L5, status_file: " +
      fifo_ + "}\n");
  stack_.StartExporter();
  // Two failed runs by their reason: the probe answered, and went on to its next run.
  ASSERT_TRUE(
      stack_.WaitForAtLeast("usdcop_probe_errors_total{probe=\"pipeline\",reason=\"parse\"}", 2))
      << stack_.exporter().Log();
  Series s = stack_.Scrape();
  EXPECT_EQ(s["usdcop_probe_success{probe=\"pipeline\"}"], 0);
  EXPECT_EQ(s["usdcop_probe_errors_total{probe=\"pipeline\",reason=\"timeout\"}"], 0)
      << "the read never waited";
  EXPECT_EQ(s["usdcop_probe_errors_total{probe=\"pipeline\",reason=\"overlap\"}"], 0);
  EXPECT_THAT(stack_.exporter().Log(),
              HasSubstr("status file " + fifo_ + ": not a regular file (a FIFO)"));
}

}  // namespace
}  // namespace usdcop::testing
