#include "common/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace usdcop {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Capture(LogFormat format, LogLevel level, const std::function<void(Logger&)>& fn) {
  std::FILE* f = std::tmpfile();
  {
    Logger log(level, format, f);
    fn(log);
  }
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

TEST(Logger, WritesLogfmtWithQuotingWhereNeeded) {
  std::string out = Capture(LogFormat::kLogfmt, LogLevel::kInfo, [](Logger& l) {
    l.Warn("probe failed",
           {{"probe", "pipeline"}, {"err", "a \"quoted\" = thing\nnext"}, {"empty", ""}});
  });
  EXPECT_THAT(out, StartsWith("ts="));
  EXPECT_THAT(out, HasSubstr(" level=warn msg=\"probe failed\" probe=pipeline err=\"a "
                             "\\\"quoted\\\" = thing\\nnext\" empty=\"\"\n"));
}

TEST(Logger, WritesOneJsonObjectPerLine) {
  std::string out = Capture(LogFormat::kJson, LogLevel::kInfo, [](Logger& l) {
    l.Error("x", {{"k", "v"}});
  });
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["msg"], "x");
  EXPECT_EQ(j["k"], "v");
}

TEST(Logger, DropsLinesBelowItsLevel) {
  std::string out = Capture(LogFormat::kLogfmt, LogLevel::kWarn, [](Logger& l) {
    l.Info("quiet");
    l.Debug("quieter");
  });
  EXPECT_EQ(out, "");
}

TEST(ParseLogLevel, KnowsFourLevels) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("verbose"), std::nullopt);
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("xml"), std::nullopt);
}

}  // namespace
}  // namespace usdcop
