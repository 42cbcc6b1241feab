#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "app/config.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPlantedPassword = "planted-AM-pw-config-9d3f";

class AlertmanagerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("USDCOP_TEST_AM_PW", kPlantedPassword, 1); }
  void TearDown() override { ::unsetenv("USDCOP_TEST_AM_PW"); }

  ConfigLoad Load(const std::string& section) {
    std::string path = dir_.File("config.yml");
    std::ofstream(path) << "probes:\n  alertmanager:\n" << section;
    return LoadConfigFile(path);
  }
  static std::string All(const ConfigLoad& load) { return ::testing::PrintToString(load.errors); }

  TempDir dir_;
};

TEST_F(AlertmanagerConfigTest, LoadsTheDesignDocumentsExampleWithDefaults) {
  ConfigLoad load = Load("    {interval: 30s, url: http://127.0.0.1:9093}\n");
  ASSERT_TRUE(load.config) << All(load);
  const AlertmanagerProbeConfig& a = *load.config->probes.Get<AlertmanagerKind>();
  EXPECT_EQ(a.interval, 30s);
  EXPECT_EQ(a.timeout, 10s);
  EXPECT_EQ(a.url, "http://127.0.0.1:9093");
  EXPECT_EQ(a.ca_file, "");
  EXPECT_EQ(a.username, "");
  EXPECT_TRUE(a.password.empty());
}

TEST_F(AlertmanagerConfigTest, TakesEveryField) {
  std::ofstream(dir_.File("ca.pem")) << "-----BEGIN CERTIFICATE-----\n";
  std::ofstream(dir_.File("am_password")) << "from-file\n";
  ConfigLoad load = Load(
      "    interval: 1m\n    timeout: 20s\n    url: "
      "https://alertmanager.example.com/alertmanager/\n"
      "    ca_file: ca.pem\n    username: monitor\n    password_file: am_password\n");
  ASSERT_TRUE(load.config) << All(load);
  const AlertmanagerProbeConfig& a = *load.config->probes.Get<AlertmanagerKind>();
  EXPECT_EQ(a.interval, 1min);
  EXPECT_EQ(a.timeout, 20s);
  EXPECT_EQ(a.url,
            "https://alertmanager.example.com/alertmanager");  // trailing / dropped, prefix kept
  EXPECT_EQ(a.ca_file, dir_.File("ca.pem"));
  EXPECT_EQ(a.username, "monitor");
  EXPECT_EQ(a.password.reveal(), "from-file");

  ConfigLoad env = Load(
      "    {url: http://127.0.0.1:9093, username: monitor, password_env: USDCOP_TEST_AM_PW}\n");
  ASSERT_TRUE(env.config) << All(env);
  EXPECT_EQ(env.config->probes.Get<AlertmanagerKind>()->password.reveal(), kPlantedPassword);
}

TEST_F(AlertmanagerConfigTest, ErrorsNameTheirPlaceAndWhatToDo) {
  ConfigLoad load = Load(
      "    interval: 30s\n"
      "    timeout: 30s\n"
      "    url: 127.0.0.1:9093\n"
      "    ca_file: missing.pem\n"
      "    verify: false\n");
  ASSERT_FALSE(load.config);
  const std::string file = dir_.File("config.yml");
  EXPECT_THAT(
      load.errors,
      ElementsAre(
          file + ":7:5: probes.alertmanager.verify: unknown key (allowed here: interval, timeout, "
                 "url, "
                 "ca_file, username, password_file, password_env, password)",
          file + ":4:14: probes.alertmanager.timeout: 30s must be shorter than interval 30s",
          file + ":5:10: probes.alertmanager.url: \"127.0.0.1:9093\" is not an http:// or https:// "
                 "URL "
                 "(e.g. http://127.0.0.1:9093)",
          file + ":6:14: probes.alertmanager.ca_file: cannot read " + dir_.File("missing.pem") +
              ": No such file or directory (give a PEM file of the CA certificates that sign "
              "Alertmanager's "
              "certificate)"))
      << All(load);
}

TEST_F(AlertmanagerConfigTest, TheUrlIsRequiredAndHoldsNoCredentials) {
  ConfigLoad none = Load("    {interval: 30s}\n");
  ASSERT_FALSE(none.config);
  EXPECT_THAT(All(none), HasSubstr("probes.alertmanager.url: is required"));
  ConfigLoad empty = Load("");
  ASSERT_FALSE(empty.config);
  EXPECT_THAT(All(empty), HasSubstr("probes.alertmanager.url: is required"));

  ConfigLoad inline_creds =
      Load(std::string("    {url: 'http://monitor:") + kPlantedPassword + "@127.0.0.1:9093'}\n");
  ASSERT_FALSE(inline_creds.config);
  EXPECT_THAT(All(inline_creds), HasSubstr("probes.alertmanager.url: has credentials in it"));
  EXPECT_THAT(All(inline_creds), Not(HasSubstr(kPlantedPassword)));
}

TEST_F(AlertmanagerConfigTest, BasicAuthTakesAUsernameAndAPasswordNeverInline) {
  ConfigLoad no_password = Load("    {url: http://127.0.0.1:9093, username: monitor}\n");
  ASSERT_FALSE(no_password.config);
  EXPECT_THAT(All(no_password),
              HasSubstr("probes.alertmanager.password_file: is required with username (or "
                        "password_env): basic auth takes both"));

  ConfigLoad no_username =
      Load("    {url: http://127.0.0.1:9093, password_env: USDCOP_TEST_AM_PW}\n");
  ASSERT_FALSE(no_username.config);
  EXPECT_THAT(
      All(no_username),
      HasSubstr(
          "probes.alertmanager.username: is required with password_env: basic auth takes both"));
  EXPECT_THAT(All(no_username), Not(HasSubstr(kPlantedPassword)));

  ConfigLoad inline_password =
      Load(std::string("    {url: http://127.0.0.1:9093, username: monitor, password: ") +
           kPlantedPassword + "}\n");
  ASSERT_FALSE(inline_password.config);
  EXPECT_THAT(All(inline_password),
              HasSubstr("probes.alertmanager.password: secrets are not written in the config: "
                        "use password_file or password_env"));
  EXPECT_THAT(All(inline_password), Not(HasSubstr(kPlantedPassword)));

  ConfigLoad unset = Load(
      "    {url: http://127.0.0.1:9093, username: monitor, password_env: USDCOP_TEST_AM_UNSET}\n");
  ASSERT_FALSE(unset.config);
  EXPECT_THAT(unset.errors,
              ElementsAre(HasSubstr("probes.alertmanager.password_env: environment variable "
                                    "USDCOP_TEST_AM_UNSET is not set or empty")));
}

}  // namespace
}  // namespace usdcop
