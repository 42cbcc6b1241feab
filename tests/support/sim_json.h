// JSON over HTTP for the simulator's integration tests: GET a JSON object, and read the
// simulator's RFC 3339 UTC times. Header-only (the tests link nlohmann_json; the support library
// does not). Thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "support/exposition.h"

namespace usdcop::testing {

// GET on 127.0.0.1:port, expecting 200 and a JSON object ({} otherwise, the test failed).
inline nlohmann::json GetJson(int port, const std::string& path) {
  std::string body;
  int status = HttpGetStatus(port, path, &body);
  EXPECT_EQ(status, 200) << path << ": " << body;
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(parsed.is_object()) << path << ": " << body;
  return parsed.is_object() ? parsed : nlohmann::json::object();
}

// "2026-11-24T13:05:00Z" (a fraction is allowed) as Unix seconds; nullopt for anything else.
inline std::optional<std::time_t> UnixSeconds(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6 ||
      text.back() != 'Z')
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

}  // namespace usdcop::testing
