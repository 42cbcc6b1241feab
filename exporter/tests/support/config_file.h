// A fixture for the config sections' tests: a config file written to a fresh directory (which also
// holds the secret file airflow_password) and loaded from there, as the daemon loads it, so that
// relative paths resolve against that directory.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/config.h"

namespace usdcop {

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("usdcop_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "airflow_password") << "s3cret-value\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ConfigLoad Load(const std::string& yaml) {
    std::string path = (dir_ / "config.yml").string();
    std::ofstream(path) << yaml;
    return LoadConfigFile(path);
  }
  std::string Path(const char* name) { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

}  // namespace usdcop
