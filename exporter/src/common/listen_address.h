// "host:port" listen addresses as Prometheus spells them: ":9812" (every interface),
// "127.0.0.1:9813", "[::1]:9812". Port 0 asks the kernel for a free port.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace usdcop {

struct ListenAddress {
  std::string host;  // "0.0.0.0" for ":port"
  int port = 0;
};

std::optional<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace usdcop
