// app/config.cpp: loading a config file: its sections through the table of probe kinds, paths,
// every error with its place.
#include "app/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/config_file.h"

namespace usdcop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ConfigTest : public ConfigFileTest {};

constexpr const char* kValid = R"(storage:
  path: state/usdcop.db
probes:
  pipeline:
    interval: 15s
    timeout: 10s
    airflow:
      url: http://127.0.0.1:8080/
      username: admin
      password_file: airflow_password
    layers:
      - {layer: L0, dag_id: usdcop_m5__01_l0_intelligent_acquire, expected_every: 5m,
         records_xcom: {task_id: report, key: records}}
      - {layer: L5, status_file: /data/status/l5.json}
)";

TEST_F(ConfigTest, LoadsAValidFileWithDefaultsAndResolvedPaths) {
  ConfigLoad load = Load(kValid);
  ASSERT_TRUE(load.config) << ::testing::PrintToString(load.errors);
  const Config& c = *load.config;
  EXPECT_EQ(c.storage_path, Path("state/usdcop.db"));
  ASSERT_TRUE(c.probes.Get<PipelineKind>());
  EXPECT_EQ(c.probes.Get<PipelineKind>()->interval, std::chrono::seconds(15));
  EXPECT_EQ(c.probes.Get<PipelineKind>()->runs_per_request, 25);
  ASSERT_TRUE(c.probes.Get<PipelineKind>()->airflow);
  EXPECT_EQ(c.probes.Get<PipelineKind>()->airflow->url,
            "http://127.0.0.1:8080");  // trailing slash dropped
  EXPECT_EQ(c.probes.Get<PipelineKind>()->airflow->password.reveal(),
            "s3cret-value");  // newline dropped
  ASSERT_EQ(c.probes.Get<PipelineKind>()->layers.size(), 2u);
  EXPECT_EQ(c.probes.Get<PipelineKind>()->layers[0].expected_every, std::chrono::minutes(5));
  ASSERT_TRUE(c.probes.Get<PipelineKind>()->layers[0].records_xcom);
  EXPECT_EQ(c.probes.Get<PipelineKind>()->layers[0].records_xcom->key, "records");
  EXPECT_EQ(c.probes.Get<PipelineKind>()->layers[1].status_file, "/data/status/l5.json");
}

TEST_F(ConfigTest, ABadDurationNamesFileLineColumnFieldAndWhatToUse) {
  ConfigLoad load = Load(R"(probes:
  pipeline:
    interval: 5x
    layers: []
)");
  EXPECT_FALSE(load.config);
  EXPECT_THAT(
      load.errors,
      ElementsAre(Path("config.yml") +
                  ":3:15: probes.pipeline.interval: \"5x\" is not a duration (use 30s, 5m)"));
}

TEST_F(ConfigTest, UnknownKeysAreErrorsWithTheirPlace) {
  ConfigLoad load = Load("probes:\n  pipeline:\n    layers: []\n    intervall: 5s\nstorge: {}\n");
  EXPECT_FALSE(load.config);
  ASSERT_EQ(load.errors.size(), 2u);
  EXPECT_THAT(load.errors[0], HasSubstr("config.yml:5:1: storge: unknown key (allowed here: "
                                        "storage, calendar, probes, control)"));
  EXPECT_THAT(load.errors[1], HasSubstr("config.yml:4:5: probes.pipeline.intervall: unknown key"));
}

TEST_F(ConfigTest, ReportsEveryProblemNotJustTheFirst) {
  ConfigLoad load = Load(R"(probes:
  pipeline:
    interval: 10s
    timeout: 10s
    runs_per_request: 500
    layers:
      - {layer: L0, dag_id: "bad id!"}
      - {layer: L0, status_file: /x.json}
      - {layer: L2}
)");
  EXPECT_FALSE(load.config);
  std::string all = ::testing::PrintToString(load.errors);
  EXPECT_THAT(all, HasSubstr("probes.pipeline.timeout: 10s must be shorter than interval 10s"));
  EXPECT_THAT(
      all,
      HasSubstr(
          "probes.pipeline.runs_per_request: \\\"500\\\" is not a whole number from 1 to 100"));
  EXPECT_THAT(
      all, HasSubstr("probes.pipeline.layers[0].dag_id: \\\"bad id!\\\" is not an Airflow DAG id"));
  EXPECT_THAT(all, HasSubstr("probes.pipeline.layers[1].layer: layer \\\"L0\\\" is listed twice"));
  EXPECT_THAT(all,
              HasSubstr("probes.pipeline.layers[2]: give exactly one of dag_id or status_file"));
  EXPECT_THAT(all, HasSubstr("probes.pipeline.airflow: is required: a layer names a dag_id"));
  EXPECT_EQ(load.errors.size(), 6u) << all;
}

TEST_F(ConfigTest, InvalidYamlAndMissingFile) {
  ConfigLoad load = Load("probes: [unclosed\n");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_THAT(load.errors[0], HasSubstr("config.yml:2:1: not valid YAML"));
  ConfigLoad missing = LoadConfigFile(Path("nope.yml"));
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_THAT(missing.errors[0],
              HasSubstr("nope.yml: No such file or directory (the config file: give its path with "
                        "--config.file)"));
}

TEST_F(ConfigTest, AnEmptyFileIsAValidConfigWithNoProbes) {
  ConfigLoad load = Load("");
  ASSERT_TRUE(load.config);
  EXPECT_FALSE(load.config->probes.Get<PipelineKind>());
}

}  // namespace
}  // namespace usdcop
