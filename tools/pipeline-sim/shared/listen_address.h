// The listen addresses and port files of pipeline-sim's servers (--listen, --websocket.listen):
// the exporter's parser (common/listen_address.h: "host:port", "[v6]:port", ":port" for every
// interface; a bare IPv6 address is refused), the host as a URL needs it, and the port file.
// Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/listen_address.h"
#include "shared/status.h"

namespace usdcop::sim {

// The host for a URL: an IPv6 address in brackets.
std::string UrlHost(const std::string& host);
// Writes "PORT\n" to `path` atomically (temporary file, then rename); on failure an error
// "cannot write FLAG PATH", `flag` being the flag that named the file.
Status WritePortFile(std::string_view flag, const std::string& path, int port);

}  // namespace usdcop::sim
