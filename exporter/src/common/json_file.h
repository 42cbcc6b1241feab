// Reading a small JSON document from a file (status files, ready signals), and the time values
// in such documents. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace usdcop {

// The JSON object in the regular file `path` of at most `max_bytes`, read by ReadSmallFile (a
// FIFO or a device is refused at once, never waited on). Its errors when the file cannot be read
// or is no such file (Reason::kIo "PATH: <strerror>", Reason::kParse "PATH: not a regular file
// (a FIFO)", "PATH: larger than 1 MiB"), else Reason::kParse "PATH: not a JSON object".
Result<nlohmann::json> ReadJsonObject(const std::string& path, std::size_t max_bytes = 1 << 20);
// The JSON object `text` (the file `name`'s bytes); Reason::kParse "NAME: not a JSON object".
Result<nlohmann::json> ParseJsonObject(std::string_view text, const std::string& name);

// A time value as Unix seconds: RFC 3339 text ("2026-11-24T13:05:00Z") or a number of seconds.
// nullopt for anything else (null included).
std::optional<double> JsonTime(const nlohmann::json& value);

}  // namespace usdcop
