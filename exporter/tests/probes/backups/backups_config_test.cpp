// probes/backups/backups_config.cpp: the probes.backups section.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "app/config.h"
#include "support/config_file.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class BackupsConfigTest : public ConfigFileTest {};

std::string AllErrors(const ConfigLoad& load) {
  std::string all;
  for (const std::string& e : load.errors) all += e + "\n";
  return all;
}

TEST_F(BackupsConfigTest, DefaultsAndEachLayersFields) {
  ConfigLoad load = Load(R"(probes:
  backups:
    max_bytes_per_second: 10MiB
    layers:
      - {layer: L0, path: backups/l0}
      - {layer: L1, path: /srv/backups/l1, cadence: 1d, retention: 90d, max_age: 30h, trading_days_only: true}
)");
  ASSERT_TRUE(load.config) << AllErrors(load);
  const BackupsProbeConfig& c = *load.config->probes.Get<BackupsKind>();
  EXPECT_EQ(c.interval, 5min);
  EXPECT_EQ(c.timeout, 4min);
  EXPECT_EQ(c.max_bytes_per_second, 10u << 20);
  EXPECT_EQ(c.full_reverify, 24h * 7);
  ASSERT_EQ(c.layers.size(), 2u);
  EXPECT_EQ(c.layers[0].path, Path("backups/l0")) << "relative to the config file";
  EXPECT_EQ(c.layers[0].cadence, 6h);
  EXPECT_EQ(c.layers[0].retention, 24h * 30);
  EXPECT_EQ(c.layers[0].max_age, 6h) << "the cadence, when not given";
  EXPECT_FALSE(c.layers[0].trading_days_only);
  EXPECT_EQ(c.layers[1].path, "/srv/backups/l1");
  EXPECT_EQ(c.layers[1].cadence, 24h);
  EXPECT_EQ(c.layers[1].retention, 24h * 90);
  EXPECT_EQ(c.layers[1].max_age, 30h);
  EXPECT_TRUE(c.layers[1].trading_days_only);
}

TEST_F(BackupsConfigTest, ReportsEachMistakeWithItsPlace) {
  ConfigLoad load = Load(R"(probes:
  backups:
    interval: 1m
    timeout: 2m
    full_reverify: 0s
    layers:
      - {layer: L0, path: /b/l0, cadence: 1d, retention: 12h}
      - {layer: L1, path: /b/l1, every: 1d}
)");
  EXPECT_FALSE(load.config);
  const std::string all = AllErrors(load);
  EXPECT_THAT(all, HasSubstr("probes.backups.timeout: 2m must be shorter than interval 1m"));
  EXPECT_THAT(all, HasSubstr("config.yml:7:"));
  EXPECT_THAT(all, HasSubstr("probes.backups.layers[0].retention: 12h is shorter than cadence"));
  EXPECT_THAT(all, HasSubstr("probes.backups.layers[1]"));
  EXPECT_THAT(all, HasSubstr("every"));
  EXPECT_THAT(all, ::testing::Not(HasSubstr("full_reverify"))) << "0 turns re-verification off";
}

}  // namespace
}  // namespace usdcop
