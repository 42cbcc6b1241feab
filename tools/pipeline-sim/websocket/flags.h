// The --websocket.* flags, and the WebSocket server they describe. The server is off unless
// --websocket.listen is given; it needs market data (it streams the bars written), and the other
// --websocket.* flags need it.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "market/writer.h"
#include "shared/status.h"
#include "websocket/server.h"

namespace usdcop::sim {

struct WsOptions {
  std::string listen;  // host:port; empty: off
  std::string port_file;
  std::string tls_cert;
  std::string tls_key;
};

void AddWsFlags(CLI::App& app, WsOptions& o);

// The server the flags describe (not yet bound), or null when it is off; an error, its message
// naming the flag, on bad flags or unusable TLS files. `market` is null when market data is off.
Result<std::unique_ptr<WsServer>> BuildWsServer(const WsOptions& o, MarketWriter* market);

}  // namespace usdcop::sim
