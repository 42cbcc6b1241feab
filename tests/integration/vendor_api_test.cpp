// The real usdcop_exporter against pipeline-sim's Twelve-Data-compatible usage API, over
// loopback: each fault gives its reason or ratio, one call per key per run and none while a
// rate-limited key backs off, and the planted keys never show in any output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPrimaryKey = "planted-TD-key-0c9a71";
constexpr const char* kBackupKey = "planted-TD-key-backup-5d2e84";
const std::string kSuccess = "usdcop_probe_success{probe=\"vendor_api\"}";

std::string Errors(const char* reason) {
  return std::string("usdcop_probe_errors_total{probe=\"vendor_api\",reason=\"") + reason + "\"}";
}
std::string Key(const std::string& metric, const char* id) {
  return metric + "{provider=\"twelvedata\",key_id=\"" + id + "\"}";
}
std::string Usage(const std::string& metric, const char* id, const char* period) {
  return metric + "{provider=\"twelvedata\",key_id=\"" + id + "\",period=\"" + period + "\"}";
}

class VendorApiIT : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartSim();
    stack_.Sim("/sim/vendor/keys",
               std::string(R"({"id": "primary", "apikey": ")") + kPrimaryKey + "\"}");
    stack_.Sim("/sim/vendor/keys",
               std::string(R"({"id": "backup", "apikey": ")") + kBackupKey + "\"}");
    stack_.WriteFile("td_primary", std::string(kPrimaryKey) + "\n");
    stack_.WriteFile("td_backup", kBackupKey);
    stack_.WriteFile("active_key", "primary\n");
  }
  void TearDown() override { ExpectNoKeyAnywhere(); }

  void Start(const std::string& backoff = "1h") {
    stack_.WriteConfig(
        "probes:\n  vendor_api:\n    interval: 1s\n    timeout: 800ms\n    backoff: " + backoff +
        "\n    url: http://127.0.0.1:" + std::to_string(stack_.sim_port()) +
        "\n    keys:\n"
        "      - {id: primary, key_file: td_primary, created: 2026-01-10, expires: 2027-01-10}\n"
        "      - {id: backup, key_file: td_backup, created: 2026-03-01}\n"
        "    active_key: {file: active_key}\n");
    stack_.StartExporter();
  }
  // Calls the simulator counted for the key.
  double Calls(const char* id) const {
    auto text = HttpGet(stack_.sim_port(), "/sim/vendor/state");
    if (!text) return -1;
    return nlohmann::json::parse(*text)["keys"][id]["calls"].get<double>();
  }
  // Finished runs of the probe, from the exporter's log (debug level logs successes too).
  int Runs() {
    std::string log = stack_.exporter().Log();
    std::regex run("msg=\"probe (succeeded|failed)\" probe=vendor_api");
    return static_cast<int>(
        std::distance(std::sregex_iterator(log.begin(), log.end(), run), std::sregex_iterator()));
  }
  void ExpectNoKeyAnywhere() {
    std::vector<std::string> outputs = {stack_.ScrapeText(),
                                        HttpGet(stack_.sim_port(), "/sim/state").value_or("")};
    for (const auto& entry : std::filesystem::directory_iterator(stack_.Dir())) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("exporter-", 0) != 0 && name.rfind("sim-", 0) != 0) continue;  // logs only
      std::ifstream in(entry.path());
      std::ostringstream text;
      text << in.rdbuf();
      outputs.push_back(text.str());
    }
    for (const std::string& out : outputs) {
      EXPECT_THAT(out, Not(HasSubstr(kPrimaryKey)));
      EXPECT_THAT(out, Not(HasSubstr(kBackupKey)));
      EXPECT_THAT(out, Not(HasSubstr("planted-TD-key")));
    }
  }
  Stack stack_;
};

TEST_F(VendorApiIT, UsageDatesAndTheActiveKeyFromThePipelinesFile) {
  stack_.Sim("/sim/vendor/usage",
             R"({"id": "primary", "current_usage": 2, "plan_limit": 8, "daily_usage": 200})");
  Start();
  ASSERT_TRUE(stack_.WaitForValue(kSuccess, 1, 20s)) << stack_.exporter().Log();
  ASSERT_TRUE(
      stack_.WaitForValue(Usage("usdcop_vendor_api_calls_used", "primary", "day"), 200, 10s));
  Series s = stack_.Scrape();
  EXPECT_EQ(s[Usage("usdcop_vendor_api_calls_used", "primary", "minute")], 2);
  EXPECT_EQ(s[Usage("usdcop_vendor_api_calls_limit", "primary", "minute")], 8);
  EXPECT_EQ(s[Usage("usdcop_vendor_api_usage_ratio", "primary", "minute")], 0.25);
  EXPECT_EQ(s[Usage("usdcop_vendor_api_calls_limit", "primary", "day")], 800);
  EXPECT_EQ(s[Usage("usdcop_vendor_api_usage_ratio", "primary", "day")], 0.25);
  EXPECT_EQ(s[Usage("usdcop_vendor_api_calls_used", "backup", "minute")], 0);
  EXPECT_EQ(s[Key("usdcop_vendor_api_key_active", "primary")], 1);
  EXPECT_EQ(s[Key("usdcop_vendor_api_key_active", "backup")], 0);
  EXPECT_EQ(s[Key("usdcop_vendor_api_key_created_timestamp_seconds", "primary")], 1768003200);
  EXPECT_EQ(s[Key("usdcop_vendor_api_key_expiry_timestamp_seconds", "primary")], 1799539200);
  EXPECT_EQ(s.count(Key("usdcop_vendor_api_key_expiry_timestamp_seconds", "backup")), 0u);

  stack_.WriteFile("active_key", "backup\n");  // the pipeline rotated
  EXPECT_TRUE(stack_.WaitForValue(Key("usdcop_vendor_api_key_active", "backup"), 1, 10s));
  EXPECT_EQ(stack_.Scrape()[Key("usdcop_vendor_api_key_active", "primary")], 0);

  EXPECT_EQ(stack_.CheckContract(stack_.ScrapeText(), {"usdcop_vendor_api_"}), "");
}

TEST_F(VendorApiIT, EachFaultGivesItsRatioOrReason) {
  Start();
  ASSERT_TRUE(stack_.WaitForValue(kSuccess, 1, 20s)) << stack_.exporter().Log();
  const std::string day = Usage("usdcop_vendor_api_usage_ratio", "primary", "day");
  const std::string minute = Usage("usdcop_vendor_api_usage_ratio", "primary", "minute");

  stack_.Sim("/sim/vendor/fault", R"({"fault": "usage_81"})");
  ASSERT_TRUE(stack_.WaitForValue(day, 0.81, 10s)) << stack_.ScrapeText();
  EXPECT_EQ(stack_.Scrape()[minute], 7.0 / 8);  // 81 % of 8 credits, rounded up to a credit
  stack_.Sim("/sim/vendor/fault", R"({"fault": "usage_96"})");
  ASSERT_TRUE(stack_.WaitForValue(day, 0.96, 10s));
  EXPECT_EQ(stack_.Scrape()[minute], 1);
  EXPECT_EQ(stack_.Scrape()[kSuccess], 1);

  for (const auto& [fault, reason] : std::vector<std::pair<std::string, const char*>>{
           {"unauthorized", "auth"}, {"server_error", "http_status"}, {"garbage", "parse"}}) {
    stack_.Sim("/sim/vendor/fault", R"({"fault": ")" + fault + "\"}");
    // The second failed run started wholly after the fault.
    ASSERT_TRUE(stack_.WaitForAtLeast(Errors(reason), 2, 10s)) << fault << "\n"
                                                               << stack_.exporter().Log();
    Series s = stack_.Scrape();
    EXPECT_EQ(s[kSuccess], 0) << fault;
    EXPECT_EQ(s.count(day), 0u) << fault;  // no usage this run: no usage series
    EXPECT_EQ(s[Key("usdcop_vendor_api_key_active", "primary")], 1)
        << fault;  // config metrics stay
  }
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("reason=auth"));
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("(check the key)"));
  stack_.Sim("/sim/vendor/fault", R"({"fault": "none"})");
  EXPECT_TRUE(stack_.WaitForValue(kSuccess, 1, 10s));
}

TEST_F(VendorApiIT, OneCallPerKeyPerRun) {
  Start();
  ASSERT_TRUE(Eventually([&] { return Runs() >= 4; }, 20s)) << stack_.exporter().Log();
  stack_.StopExporter();
  const int runs = Runs();
  // A run cut short by the stop may have made its calls without logging its end.
  EXPECT_GE(Calls("primary"), runs);
  EXPECT_LE(Calls("primary"), runs + 1);
  EXPECT_EQ(Calls("backup"), Calls("primary"));
}

TEST_F(VendorApiIT, ARateLimitedKeyIsNotAskedAgainDuringTheBackoff) {
  stack_.Sim("/sim/vendor/fault", R"({"fault": "rate_limited_429", "id": "primary"})");
  stack_.Sim("/sim/vendor/fault", R"({"fault": "rate_limited_200", "id": "backup"})");
  Start("1h");
  ASSERT_TRUE(Eventually([&] { return Runs() >= 4; }, 20s)) << stack_.exporter().Log();
  Series s = stack_.Scrape();
  EXPECT_GE(s[Errors("rate_limited")], 3);
  EXPECT_EQ(s[kSuccess], 0);
  EXPECT_EQ(Calls("primary"), 1);  // both ways of saying 429 back off, after one call each
  EXPECT_EQ(Calls("backup"), 1);
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("rate-limited, backing off until"));
}

TEST_F(VendorApiIT, AfterTheBackoffTheKeyIsAskedAgain) {
  stack_.Sim("/sim/vendor/fault", R"({"fault": "rate_limited_429", "id": "primary"})");
  Start("3s");
  ASSERT_TRUE(stack_.WaitForAtLeast(Errors("rate_limited"), 1, 20s)) << stack_.exporter().Log();
  stack_.Sim("/sim/vendor/fault", R"({"fault": "none"})");
  EXPECT_TRUE(stack_.WaitForValue(kSuccess, 1, 15s)) << stack_.exporter().Log();
  // Runs every second; the 3 s backoff skipped at least two of them for primary.
  EXPECT_GE(Calls("primary"), 2);
  EXPECT_LE(Calls("primary") + 2, Calls("backup"));
}

}  // namespace
}  // namespace usdcop::testing
