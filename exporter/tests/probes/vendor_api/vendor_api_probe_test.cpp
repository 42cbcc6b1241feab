#include "probes/vendor_api/vendor_api_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/fake_clock.h"
#include "support/fake_http.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPrimaryKey = "planted-TD-key-unit-1";
constexpr const char* kBackupKey = "planted-TD-key-unit-2";
const std::string kPrimaryUrl = std::string("http://td.test/api_usage?apikey=") + kPrimaryKey;
const std::string kBackupUrl = std::string("http://td.test/api_usage?apikey=") + kBackupKey;

class VendorApiProbeTest : public ::testing::Test {
 protected:
  VendorApiProbeTest() {
    config_.url = "http://td.test";
    config_.keys = {
        {"primary", Secret(kPrimaryKey), *ParseDate("2026-01-10"), ParseDate("2027-01-10")},
        {"backup", Secret(kBackupKey), *ParseDate("2026-03-01"), std::nullopt}};
    config_.active_key = "primary";
  }
  ProbeOutcome Run(VendorApiProbe& probe) {
    return probe.Run(ProbeContext{Deadline::After(5s), clock_, log_});
  }
  static const VendorApiResult& R(const ProbeOutcome& o) {
    return std::get<VendorApiResult>(o.result);
  }
  size_t CallsTo(const std::string& url) const {
    size_t n = 0;
    for (const HttpRequest& r : http_.requests) n += r.url == url;
    return n;
  }

  VendorApiProbeConfig config_;
  FakeHttp http_;
  FakeClock clock_{*ParseTimestamp("2026-11-24T15:00:00Z")};
  Logger log_{LogLevel::kError};
};

TEST_F(VendorApiProbeTest, OneCallPerKeyGivesUsageDatesAndTheActiveKey) {
  http_.Answer(
      kPrimaryUrl, 200,
      R"({"timestamp": "x", "current_usage": 6, "plan_limit": 8, "plan_category": "grow"})");
  http_.Answer(
      kBackupUrl, 200,
      R"({"current_usage": 2, "plan_limit": 8, "daily_usage": 780, "plan_daily_limit": 800})");
  VendorApiProbe probe(config_, http_);
  ProbeOutcome out = Run(probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(http_.requests.size(), 2u);
  const VendorApiResult& r = R(out);
  EXPECT_EQ(r.provider, "twelvedata");
  ASSERT_EQ(r.keys.size(), 2u);
  EXPECT_EQ(r.keys[0].key_id, "primary");
  EXPECT_TRUE(r.keys[0].active);
  EXPECT_FALSE(r.keys[1].active);
  EXPECT_EQ(r.keys[0].created, 1768003200);
  EXPECT_EQ(r.keys[0].expiry, 1799539200);
  EXPECT_FALSE(r.keys[1].expiry);
  ASSERT_EQ(r.keys[0].usage.size(), 1u);
  EXPECT_EQ(r.keys[0].usage[0].period, "minute");
  EXPECT_EQ(r.keys[0].usage[0].used, 6);
  ASSERT_EQ(r.keys[1].usage.size(), 2u);
  EXPECT_EQ(r.keys[1].usage[1].period, "day");
  EXPECT_EQ(r.keys[1].usage[1].used, 780);
  EXPECT_EQ(r.keys[1].usage[1].limit, 800);
}

TEST_F(VendorApiProbeTest, AFailedKeyKeepsItsConfigMetricsAndMergesItsReason) {
  http_.Answer(
      kPrimaryUrl, 401,
      R"({"code": 401, "message": "apikey planted-TD-key-unit-1 is invalid", "status": "error"})");
  http_.Answer(kBackupUrl, 500, "oops");
  VendorApiProbe probe(config_, http_);
  ProbeOutcome out = Run(probe);
  ASSERT_FALSE(out.status.ok());
  EXPECT_EQ(out.status.reason(), Reason::kAuth);  // the first failure's reason
  EXPECT_THAT(out.status.message(), HasSubstr("key primary: "));
  EXPECT_THAT(out.status.message(), HasSubstr("key backup: /api_usage answered HTTP 500"));
  EXPECT_THAT(out.status.message(), Not(HasSubstr(kPrimaryKey)));  // the vendor echoed it: scrubbed
  EXPECT_THAT(out.status.message(), HasSubstr("apikey <redacted> is invalid"));
  const VendorApiResult& r = R(out);
  ASSERT_EQ(r.keys.size(), 2u);
  EXPECT_TRUE(r.keys[0].active);
  EXPECT_EQ(r.keys[0].created, 1768003200);
  EXPECT_TRUE(r.keys[0].usage.empty());
  EXPECT_TRUE(r.keys[1].usage.empty());
}

TEST_F(VendorApiProbeTest, RateLimitedKeysAreNotAskedAgainUntilTheBackoffHasPassed) {
  config_.backoff = 5min;
  http_.Answer(kPrimaryUrl, 429, "Too Many Requests");
  http_.Answer(kBackupUrl, 200, R"({"code": 429, "message": "out of credits", "status": "error"})");
  VendorApiProbe probe(config_, http_);
  ProbeOutcome first = Run(probe);
  EXPECT_EQ(first.status.reason(), Reason::kRateLimited);
  EXPECT_EQ(http_.requests.size(), 2u);

  http_.Answer(kPrimaryUrl, 200, R"({"current_usage": 1, "plan_limit": 8})");
  http_.Answer(kBackupUrl, 200, R"({"current_usage": 1, "plan_limit": 8})");
  clock_.Set(*ParseTimestamp("2026-11-24T15:04:59Z"));
  ProbeOutcome during = Run(probe);
  EXPECT_EQ(http_.requests.size(), 2u);  // no call at all
  EXPECT_EQ(during.status.reason(), Reason::kRateLimited);
  EXPECT_THAT(during.status.message(),
              HasSubstr("key primary: rate-limited, backing off until 2026-11-24T15:05:00"));
  EXPECT_TRUE(R(during).keys[0].usage.empty());

  clock_.Set(*ParseTimestamp("2026-11-24T15:05:00Z"));
  ProbeOutcome after = Run(probe);
  EXPECT_TRUE(after.status.ok()) << after.status.ToString();
  EXPECT_EQ(CallsTo(kPrimaryUrl), 2u);
  EXPECT_EQ(CallsTo(kBackupUrl), 2u);
  EXPECT_EQ(R(after).keys[0].usage.size(), 1u);
}

TEST_F(VendorApiProbeTest, ActiveKeyFromTheFileThePipelineWrites) {
  TempDir dir;
  config_.active_key.clear();
  config_.active_key_file = dir.File("active_key");
  http_.Answer(kPrimaryUrl, 200, R"({"current_usage": 1, "plan_limit": 8})");
  http_.Answer(kBackupUrl, 200, R"({"current_usage": 1, "plan_limit": 8})");
  VendorApiProbe probe(config_, http_);

  ProbeOutcome missing = Run(probe);  // no file: no key active, reason io, usage still read
  EXPECT_EQ(missing.status.reason(), Reason::kIo);
  EXPECT_FALSE(R(missing).keys[0].active || R(missing).keys[1].active);
  EXPECT_EQ(R(missing).keys[1].usage.size(), 1u);

  std::ofstream(dir.File("active_key")) << "  backup\n";
  ProbeOutcome found = Run(probe);
  ASSERT_TRUE(found.status.ok()) << found.status.ToString();
  EXPECT_FALSE(R(found).keys[0].active);
  EXPECT_TRUE(R(found).keys[1].active);

  std::ofstream(dir.File("active_key")) << kBackupKey << "\n";  // the key itself, by mistake
  ProbeOutcome wrong = Run(probe);
  EXPECT_EQ(wrong.status.reason(), Reason::kParse);
  EXPECT_THAT(wrong.status.message(), HasSubstr("does not hold the id of a key"));
  EXPECT_THAT(wrong.status.message(), Not(HasSubstr(kBackupKey)));
}

TEST_F(VendorApiProbeTest, ConnectErrorsNameThePathNotTheKey) {
  http_.On(kPrimaryUrl, [](const HttpRequest&) {
    return Result<HttpResponse>(
        Status(Reason::kConnect, std::string("GET /api_usage: refused ") + kPrimaryKey));
  });
  http_.Answer(kBackupUrl, 200, "garbage");
  VendorApiProbe probe(config_, http_);
  ProbeOutcome out = Run(probe);
  EXPECT_EQ(out.status.reason(), Reason::kConnect);
  EXPECT_THAT(out.status.message(), Not(HasSubstr(kPrimaryKey)));
  EXPECT_THAT(out.status.message(),
              HasSubstr("key backup: /api_usage: answer is not a JSON object"));
}

}  // namespace
}  // namespace usdcop
