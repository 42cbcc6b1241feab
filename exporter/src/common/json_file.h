// Reading a small JSON document from a file (status files, ready signals). Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

#include "common/status.h"

namespace usdcop {

// The JSON object in `path`, read up to `max_bytes` (a larger file does not parse).
// Reason::kIo "PATH: <strerror>" when it cannot be read, Reason::kParse "PATH: not a JSON
// object" otherwise.
Result<nlohmann::json> ReadJsonObject(const std::string& path, std::size_t max_bytes = 1 << 20);

}  // namespace usdcop
