// Reading a password from a file named by a flag (--airflow.password-file,
// --market.password-file): the whole file, trailing newlines trimmed. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "shared/status.h"

namespace usdcop::sim {

// The password in `path`; a kBadInput Error naming `flag` ("--x: no password in PATH") when the
// file cannot be read or holds nothing but newlines.
Result<std::string> ReadPasswordFile(std::string_view flag, const std::string& path);

}  // namespace usdcop::sim
