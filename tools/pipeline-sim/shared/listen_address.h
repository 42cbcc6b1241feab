// The listen addresses and port files of pipeline-sim's servers (--listen, --websocket.listen):
// "host:port" or "[v6]:port" in, the host as a URL needs it and the port file out. Stateless and
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace usdcop::sim {

struct Address {
  std::string host;  // without brackets
  int port = 0;      // 0: any free port
};

// "host:port" or "[v6]:port"; nullopt for anything else.
std::optional<Address> ParseAddress(const std::string& text);
// The host for a URL: an IPv6 address in brackets.
std::string UrlHost(const std::string& host);
// Writes "PORT\n" to `path` atomically (temporary file, then rename); on failure an error
// "cannot write FLAG PATH", `flag` being the flag that named the file.
Status WritePortFile(std::string_view flag, const std::string& path, int port);

}  // namespace usdcop::sim
