// config/field_reader.cpp: the fields every section reads (here: secrets from a file or the
// environment, never inline), through the loader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "app/config.h"
#include "support/config_file.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;

class SecretFieldTest : public ConfigFileTest {};

TEST_F(SecretFieldTest, InlineSecretsAreRefusedAndNeverEchoed) {
  ConfigLoad load = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, username: admin, password: hunter2-inline}
    layers: [{layer: L0, dag_id: d}]
)");
  EXPECT_FALSE(load.config);
  std::string all = ::testing::PrintToString(load.errors);
  EXPECT_THAT(
      all, HasSubstr("probes.pipeline.airflow.password: secrets are not written in the config: use "
                     "password_file or password_env"));
  EXPECT_THAT(all, ::testing::Not(HasSubstr("hunter2")));
}

TEST_F(SecretFieldTest, SecretFromEnvironmentAndMissingSources) {
  ::setenv("USDCOP_TEST_AIRFLOW_PW", "from-env", 1);
  ConfigLoad ok = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, username: admin, password_env: USDCOP_TEST_AIRFLOW_PW}
    layers: [{layer: L0, dag_id: d}]
)");
  ASSERT_TRUE(ok.config) << ::testing::PrintToString(ok.errors);
  EXPECT_EQ(ok.config->probes.Get<PipelineKind>()->airflow->password.reveal(), "from-env");
  ConfigLoad bad = Load(R"(probes:
  pipeline:
    airflow: {url: ftp://a, username: admin, password_env: USDCOP_TEST_UNSET_VAR, password_file: nope}
    layers: [{layer: L0, dag_id: d}]
)");
  std::string all = ::testing::PrintToString(bad.errors);
  EXPECT_THAT(all, HasSubstr("url: \\\"ftp://a\\\" is not an http:// or https:// URL"));
  EXPECT_THAT(all, HasSubstr("give either password_file or password_env, not both"));
}

TEST_F(SecretFieldTest, UnreadableSecretFileNamesTheFile) {
  ConfigLoad load = Load(R"(probes:
  pipeline:
    airflow: {url: http://a:8080, username: admin, password_file: /nonexistent/pw}
    layers: [{layer: L0, dag_id: d}]
)");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_THAT(load.errors[0], HasSubstr(":3:67: probes.pipeline.airflow.password_file: cannot read "
                                        "/nonexistent/pw: No such file or directory"));
}

TEST_F(SecretFieldTest, ASecretFileMustBeASmallRegularFile) {
  ASSERT_EQ(::mkfifo(Path("fifo").c_str(), 0600), 0);
  std::filesystem::create_directories(Path("dir"));
  std::ofstream(Path("big")) << std::string(65 << 10, 'k');
  const auto error_for = [&](const std::string& file) {
    ConfigLoad load = Load(
        "probes:\n  pipeline:\n    airflow: {url: http://a:8080, username: admin, password_file: " +
        file + "}\n    layers: [{layer: L0, dag_id: d}]\n");
    return load.errors.size() == 1 ? load.errors[0] : ::testing::PrintToString(load.errors);
  };
  const std::string field = ":3:67: probes.pipeline.airflow.password_file: cannot read ";
  const std::string hint = "; point password_file at a regular file of at most 64 KiB";
  EXPECT_THAT(error_for(Path("fifo")),
              HasSubstr(field + Path("fifo") + ": not a regular file (a FIFO)" + hint));
  EXPECT_THAT(error_for("/dev/zero"),
              HasSubstr(field + "/dev/zero: not a regular file (a character device)" + hint));
  EXPECT_THAT(error_for(Path("dir")),
              HasSubstr(field + Path("dir") + ": not a regular file (a directory)" + hint));
  EXPECT_THAT(error_for(Path("big")),
              HasSubstr(field + Path("big") + ": larger than 64 KiB" + hint));

  std::filesystem::create_symlink(Path("airflow_password"), Path("linked_password"));
  ConfigLoad linked = Load(
      "probes:\n  pipeline:\n    airflow: {url: http://a:8080, username: admin, password_file: " +
      Path("linked_password") + "}\n    layers: [{layer: L0, dag_id: d}]\n");
  ASSERT_TRUE(linked.config) << ::testing::PrintToString(linked.errors);
  EXPECT_EQ(linked.config->probes.Get<PipelineKind>()->airflow->password.reveal(), "s3cret-value");
}

}  // namespace
}  // namespace usdcop
