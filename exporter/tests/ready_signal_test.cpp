#include "probes/ready_signal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fake_clock.h"
#include "temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;

class ReadySignalTest : public ::testing::Test {
 protected:
  ProbeOutcome Run(const ReadySignalProbeConfig& c) {
    ReadySignalProbe probe(c);
    return probe.Run(ProbeContext{Deadline::After(5s), clock_, log_});
  }
  static const ReadySignalResult& R(const ProbeOutcome& o) { return std::get<ReadySignalResult>(o.result); }
  void Write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir_.File(name)).parent_path());
    std::ofstream(dir_.File(name)) << text;
  }
  TempDir dir_;
  FakeClock clock_{*ParseTimestamp("2026-11-24T15:00:00Z")};
  Logger log_{LogLevel::kError};
};

TEST_F(ReadySignalTest, FlagFile) {
  ReadySignalProbeConfig c;
  c.flag_file = dir_.File("l0_ready.flag");
  ProbeOutcome out = Run(c);  // no file: no signal, not an error
  ASSERT_TRUE(out.status.ok());
  EXPECT_FALSE(R(out).present);
  EXPECT_FALSE(R(out).timestamp);

  Write("l0_ready.flag", R"({"ready": true, "timestamp": "2026-11-24T14:55:02Z"})");
  out = Run(c);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(R(out).present);
  EXPECT_DOUBLE_EQ(*R(out).timestamp, ToUnixSeconds(*ParseTimestamp("2026-11-24T14:55:02Z")));

  Write("l0_ready.flag", R"({"ready": false})");  // no timestamp: the file's mtime
  out = Run(c);
  EXPECT_FALSE(R(out).present);
  EXPECT_GT(*R(out).timestamp, 1.7e9);

  Write("l0_ready.flag", "ready!");
  out = Run(c);
  EXPECT_EQ(out.status.reason(), Reason::kParse);
  EXPECT_THAT(out.status.message(), ::testing::HasSubstr("l0_ready.flag: not a JSON object"));
}

TEST_F(ReadySignalTest, SignalDirectoryTakesTheNewestLiveSignalOfItsType) {
  ReadySignalProbeConfig c;
  c.signal_dir = dir_.File("signals");
  Write("signals/completed/a.json", R"({"signal_id": "a", "signal_type": "data_ready", "status": "completed",
    "updated_at": "2026-11-24T14:50:00Z"})");
  Write("signals/active/b.json", R"({"signal_id": "b", "signal_type": "data_ready", "status": "ready",
    "updated_at": "2026-11-24T14:55:00Z", "expires_at": "2026-11-24T16:00:00Z"})");
  Write("signals/active/c.json", R"({"signal_id": "c", "signal_type": "data_ready", "status": "ready",
    "updated_at": "2026-11-24T14:59:00Z", "expires_at": "2026-11-24T14:59:30Z"})");  // expired
  Write("signals/active/d.json", R"({"signal_id": "d", "signal_type": "websocket_ready", "status": "ready",
    "updated_at": "2026-11-24T14:59:50Z"})");  // another type
  Write("signals/failed/e.json", R"({"signal_id": "e", "signal_type": "data_ready", "status": "failed",
    "updated_at": "2026-11-24T14:59:55Z"})");
  ProbeOutcome out = Run(c);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(R(out).present);
  EXPECT_DOUBLE_EQ(*R(out).timestamp, ToUnixSeconds(*ParseTimestamp("2026-11-24T14:55:00Z")));

  Write("signals/active/broken.json", "{");
  out = Run(c);
  EXPECT_EQ(out.status.reason(), Reason::kParse);  // reported...
  EXPECT_TRUE(R(out).present);                     // ...without hiding the good signals
}

}  // namespace
}  // namespace usdcop
