#include "websocket/flags.h"

namespace usdcop::sim {

void AddWsFlags(CLI::App& app, WsOptions& o) {
  app.add_option("--websocket.listen", o.listen,
                 "serve the WebSocket service (/ws, /health, /status) on host:port (port 0: any "
                 "free port); needs market data");
  app.add_option("--websocket.port-file", o.port_file,
                 "write the WebSocket server's bound port to this file");
  app.add_option("--websocket.tls-cert", o.tls_cert,
                 "PEM certificate (chain): the WebSocket port then speaks TLS only");
  app.add_option("--websocket.tls-key", o.tls_key, "PEM private key of --websocket.tls-cert");
}

Result<std::unique_ptr<WsServer>> BuildWsServer(const WsOptions& o, MarketWriter* market) {
  if (o.listen.empty()) {
    if (!o.tls_cert.empty() || !o.tls_key.empty()) {
      return BadInput("--websocket.tls-cert",
                      "--websocket.tls-cert and --websocket.tls-key go with --websocket.listen");
    }
    if (!o.port_file.empty()) {
      return BadInput("--websocket.port-file",
                      "--websocket.port-file goes with --websocket.listen");
    }
    return std::unique_ptr<WsServer>();
  }
  if (market == nullptr) {
    return BadInput("--websocket.listen",
                    "--websocket.listen needs market data: give --market.sqlite or "
                    "--market.postgres (the WebSocket streams the bars written)");
  }
  auto address = ParseListenAddress(o.listen);
  if (!address) {
    return BadInput("--websocket.listen",
                    "--websocket.listen: expected host:port, got \"" + o.listen + "\"");
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return BadInput("--websocket.tls-cert",
                    "--websocket.tls-cert and --websocket.tls-key go together: give both or "
                    "neither");
  }
  return WsServer::Create(*address, o.tls_cert, o.tls_key, *market);
}

}  // namespace usdcop::sim
