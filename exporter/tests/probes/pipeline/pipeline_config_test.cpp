// probes/pipeline/pipeline_config.cpp: the probes.pipeline section.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "app/config.h"
#include "support/config_file.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;

class PipelineConfigTest : public ConfigFileTest {};

TEST_F(PipelineConfigTest, ApiV2TakesATokenOrCredentials) {
  std::ofstream(dir_ / "token") << "tok";
  ConfigLoad load = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, api: v2, token_file: token}
    layers: [{layer: L0, dag_id: d}]
)");
  ASSERT_TRUE(load.config) << ::testing::PrintToString(load.errors);
  EXPECT_EQ(load.config->probes.Get<PipelineKind>()->airflow->api, AirflowConfig::Api::kV2);
  ConfigLoad bad = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, api: v3}
    layers: [{layer: L0, dag_id: d}]
)");
  EXPECT_THAT(::testing::PrintToString(bad.errors),
              HasSubstr("api: \\\"v3\\\" is not one of v1, v2"));
}

}  // namespace
}  // namespace usdcop
