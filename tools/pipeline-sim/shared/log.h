// One-line log messages on stderr, each prefixed with the UTC time. Thread-safe.
#pragma once

#include <string_view>

namespace usdcop::sim {

void Log(std::string_view message);

}  // namespace usdcop::sim
