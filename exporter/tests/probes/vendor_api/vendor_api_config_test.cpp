#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "app/config.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPlantedKey = "planted-TD-key-config-51e0";

class VendorApiConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.File("td_backup")) << "backup-key-value\n";
    ::setenv("USDCOP_TEST_TD_KEY_1", kPlantedKey, 1);
  }
  void TearDown() override { ::unsetenv("USDCOP_TEST_TD_KEY_1"); }

  ConfigLoad Load(const std::string& section) {
    std::string path = dir_.File("config.yml");
    std::ofstream(path) << "probes:\n  vendor_api:\n" << section;
    return LoadConfigFile(path);
  }
  std::string All(const ConfigLoad& load) { return ::testing::PrintToString(load.errors); }

  TempDir dir_;
};

constexpr const char* kKeys =
    "    keys:\n"
    "      - {id: primary, key_env: USDCOP_TEST_TD_KEY_1, created: 2026-01-10, expires: "
    "2027-01-10}\n"
    "      - {id: backup, key_file: td_backup, created: 2026-03-01}\n";

TEST_F(VendorApiConfigTest, LoadsKeysDatesAndDefaults) {
  ConfigLoad load = Load(std::string(kKeys) + "    active_key: primary\n");
  ASSERT_TRUE(load.config) << All(load);
  const VendorApiProbeConfig& v = *load.config->probes.Get<VendorApiKind>();
  EXPECT_EQ(v.interval, std::chrono::seconds(60));
  EXPECT_EQ(v.timeout, std::chrono::seconds(10));
  EXPECT_EQ(v.backoff, std::chrono::minutes(5));
  EXPECT_EQ(v.provider, "twelvedata");
  EXPECT_EQ(v.url, "https://api.twelvedata.com");
  ASSERT_EQ(v.keys.size(), 2u);
  EXPECT_EQ(v.keys[0].id, "primary");
  EXPECT_EQ(v.keys[0].key.reveal(), kPlantedKey);
  EXPECT_EQ(ToUnixSeconds(v.keys[0].created), 1768003200);  // 2026-01-10T00:00:00Z
  ASSERT_TRUE(v.keys[0].expires);
  EXPECT_EQ(ToUnixSeconds(*v.keys[0].expires), 1799539200);  // 2027-01-10T00:00:00Z
  EXPECT_EQ(v.keys[1].key.reveal(), "backup-key-value");     // trailing newline dropped
  EXPECT_FALSE(v.keys[1].expires);
  EXPECT_EQ(v.active_key, "primary");
  EXPECT_EQ(v.active_key_file, "");
}

TEST_F(VendorApiConfigTest, ActiveKeyFromAFileAndSettings) {
  ConfigLoad load = Load(
      "    interval: 2m\n    timeout: 5s\n    backoff: 10m\n    url: http://127.0.0.1:18080/\n" +
      std::string(kKeys) + "    active_key: {file: active_key}\n");
  ASSERT_TRUE(load.config) << All(load);
  const VendorApiProbeConfig& v = *load.config->probes.Get<VendorApiKind>();
  EXPECT_EQ(v.backoff, std::chrono::minutes(10));
  EXPECT_EQ(v.url, "http://127.0.0.1:18080");
  EXPECT_EQ(v.active_key, "");
  EXPECT_EQ(v.active_key_file, dir_.File("active_key"));
}

TEST_F(VendorApiConfigTest, ErrorsNameTheirPlaceAndWhatToDo) {
  ConfigLoad load = Load(
      "    provider: alphavantage\n"
      "    keys:\n"
      "      - {id: primary, key_env: USDCOP_TEST_TD_KEY_1, created: 2026-13-01}\n"
      "      - {id: primary, key_file: td_backup, created: 2026-03-01, expires: 2026-02-01}\n"
      "      - {id: \"bad id\", key_env: USDCOP_TEST_TD_UNSET, created: 2026-03-01}\n"
      "    active_key: tertiary\n");
  ASSERT_FALSE(load.config);
  const std::string file = dir_.File("config.yml");
  EXPECT_THAT(
      load.errors,
      ElementsAre(
          file + ":3:15: probes.vendor_api.provider: \"alphavantage\" is not one of twelvedata",
          file + ":5:63: probes.vendor_api.keys[0].created: \"2026-13-01\" is not a date (use "
                 "YYYY-MM-DD, e.g. 2026-01-10)",
          file + ":6:74: probes.vendor_api.keys[1].expires: must be after created",
          file + ":6:14: probes.vendor_api.keys[1].id: id \"primary\" is listed twice",
          file + ":7:14: probes.vendor_api.keys[2].id: \"bad id\" must be 1 to 64 letters, digits, "
                 "_ . - "
                 "(e.g. primary)",
          file +
              ":7:33: probes.vendor_api.keys[2].key_env: environment variable USDCOP_TEST_TD_UNSET "
              "is not set or empty",
          file + ":8:17: probes.vendor_api.active_key: \"tertiary\" is not the id of a key in keys "
                 "(or "
                 "give {file: PATH} the pipeline writes)"))
      << All(load);
}

TEST_F(VendorApiConfigTest, KeysAreRequiredAndNeverInline) {
  ConfigLoad none = Load("    interval: 60s\n");
  ASSERT_FALSE(none.config);
  EXPECT_THAT(
      All(none),
      HasSubstr("probes.vendor_api.keys: is required (a list of {id, key_file | key_env, created"));

  ConfigLoad inline_key = Load(std::string("    keys:\n      - {id: primary, key: ") + kPlantedKey +
                               ", created: 2026-01-10}\n");
  ASSERT_FALSE(inline_key.config);
  EXPECT_THAT(
      All(inline_key),
      HasSubstr("keys[0].key: secrets are not written in the config: use key_file or key_env"));
  EXPECT_THAT(All(inline_key), Not(HasSubstr(kPlantedKey)));
}

}  // namespace
}  // namespace usdcop
