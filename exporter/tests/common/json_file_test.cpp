// common/json_file.cpp: a small JSON object read from a file, and the time values in it.
#include "common/json_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace usdcop {
namespace {

TEST(ReadJsonObject, ReadsAnObjectAndRefusesAnythingElseNamingTheFile) {
  TempDir dir;
  std::ofstream(dir.File("ok.json")) << R"({"state": "success", "records": 12})";
  std::ofstream(dir.File("list.json")) << "[1, 2]";
  std::ofstream(dir.File("broken.json")) << "{\"state\": ";
  std::ofstream(dir.File("big.json")) << "{\"pad\": \"" << std::string(200, 'x') << "\"}";
  auto ok = ReadJsonObject(dir.File("ok.json"));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)["records"], 12);
  for (const char* name : {"list.json", "broken.json"}) {
    auto bad = ReadJsonObject(dir.File(name));
    ASSERT_FALSE(bad.ok()) << name;
    EXPECT_EQ(bad.status().reason(), Reason::kParse);
    EXPECT_EQ(bad.status().message(), dir.File(name) + ": not a JSON object");
  }
  auto missing = ReadJsonObject(dir.File("missing.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().reason(), Reason::kIo);
  EXPECT_EQ(missing.status().message(), dir.File("missing.json") + ": No such file or directory");
  auto big = ReadJsonObject(dir.File("big.json"), 100);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("larger than"), std::string::npos)
      << big.status().message();
}

TEST(ParseJsonObject, TakesAnObjectOnlyNamingTheFile) {
  auto ok = ParseJsonObject(R"({"ready": true})", "l0.flag");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)["ready"], true);
  for (const char* text : {"[1]", "\"ready\"", "{\"ready\": ", "", "null"}) {
    auto bad = ParseJsonObject(text, "l0.flag");
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_EQ(bad.status().reason(), Reason::kParse);
    EXPECT_EQ(bad.status().message(), "l0.flag: not a JSON object");
  }
}

TEST(JsonTime, TakesRfc3339TextOrUnixSecondsAndNothingElse) {
  EXPECT_EQ(JsonTime(nlohmann::json("2026-11-24T13:05:00Z")), 1795525500);
  EXPECT_EQ(JsonTime(nlohmann::json(1795525500.5)), 1795525500.5);
  EXPECT_EQ(JsonTime(nlohmann::json(0)), 0);
  EXPECT_FALSE(JsonTime(nlohmann::json(nullptr)));
  EXPECT_FALSE(JsonTime(nlohmann::json("yesterday")));
  EXPECT_FALSE(JsonTime(nlohmann::json(true)));
  EXPECT_FALSE(JsonTime(nlohmann::json::object()));
}

}  // namespace
}  // namespace usdcop
