// The command line: --config.check, --version, bad flags, a bad config at start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "support/stack.h"

namespace usdcop::testing {
namespace {

using ::testing::HasSubstr;

TEST(CliIT, ConfigCheckPrintsEveryProblemAndExits1) {
  Stack stack;
  stack.WriteConfig(
      "probes:\n  pipeline:\n    interval: 5x\n    timeout: soon\n    layers: []\n  pipelin: {}\n");
  CommandResult r = RunCommand(
      {USDCOP_EXPORTER_BIN, "--config.check", "--config.file=" + stack.File("config.yml")}, "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.output,
      HasSubstr(
          "config.yml:3:15: probes.pipeline.interval: \"5x\" is not a duration (use 30s, 5m)"));
  EXPECT_THAT(r.output,
              HasSubstr("config.yml:4:14: probes.pipeline.timeout: \"soon\" is not a duration"));
  EXPECT_THAT(
      r.output,
      HasSubstr("config.yml:6:3: probes.pipelin: unknown key (allowed here: pipeline, market_data, "
                "ready_signal, backups, websocket, vendor_api, alertmanager)"));
  EXPECT_THAT(r.output, HasSubstr("3 problem(s)"));
}

TEST(CliIT, ConfigCheckOfTheShippedExampleSucceeds) {
  CommandResult r =
      RunCommand({"env", "USDCOP_AIRFLOW_PASSWORD=x", "TWELVEDATA_API_KEY_1=k1",
                  "TWELVEDATA_API_KEY_2=k2", USDCOP_EXPORTER_BIN, "--config.check",
                  std::string("--config.file=") + USDCOP_SOURCE_DIR + "/examples/config.yml"},
                 "");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("OK"));
}

TEST(CliIT, AnInvalidConfigAtStartIsRefusedWithItsErrors) {
  Stack stack;
  stack.WriteConfig("storage: {path: 7: 8}\n");
  CommandResult r =
      RunCommand({USDCOP_EXPORTER_BIN, "--config.file=" + stack.File("config.yml"),
                  "--web.listen-address=127.0.0.1:0", "--storage.path=" + stack.File("s.db")},
                 "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("msg=\"invalid configuration\""));
  EXPECT_THAT(r.output, HasSubstr("config.yml:1"));
}

TEST(CliIT, VersionAndBadFlags) {
  CommandResult v = RunCommand({USDCOP_EXPORTER_BIN, "--version"}, "");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_THAT(v.output, HasSubstr("usdcop_exporter "));
  CommandResult bad = RunCommand({USDCOP_EXPORTER_BIN, "--web.listen-address=9812"}, "");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("host:port"));
  CommandResult level = RunCommand({USDCOP_EXPORTER_BIN, "--log.level=loud"}, "");
  EXPECT_EQ(level.exit_code, 2);
  CommandResult unknown = RunCommand({USDCOP_EXPORTER_BIN, "--no-such-flag"}, "");
  EXPECT_EQ(unknown.exit_code, 2);
  CommandResult no_path = RunCommand({USDCOP_EXPORTER_BIN, "verify-backup"}, "");
  EXPECT_EQ(no_path.exit_code, 2);
  EXPECT_THAT(no_path.output, HasSubstr("PATH is required"));
}

TEST(CliIT, JsonLogsAreOneObjectPerLine) {
  Stack stack;
  stack.WriteConfig("");
  Process exporter(
      {USDCOP_EXPORTER_BIN, "--config.file=" + stack.File("config.yml"), "--log.format=json",
       "--web.listen-address=127.0.0.1:0", "--storage.path=" + stack.File("s.db")},
      stack.File("json.log"));
  ASSERT_TRUE(exporter.WaitForLog("(\"msg\":\"listening\")", std::chrono::seconds(10)))
      << exporter.Log();
  EXPECT_EQ(exporter.Stop(), 0);
  std::istringstream lines(exporter.Log());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
    EXPECT_THAT(line, HasSubstr("\"level\":"));
    n++;
  }
  EXPECT_GE(n, 3);  // starting, listening, stopping, stopped
}

}  // namespace
}  // namespace usdcop::testing
