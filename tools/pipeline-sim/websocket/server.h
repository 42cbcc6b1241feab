// A WebSocket server standing in for the USD/COP WebSocket service (--websocket.listen). On one
// port: GET /ws upgrades to a WebSocket streaming the bars MarketWriter publishes (ws_hub.h,
// ws_connection.h), GET /health and GET /status answer as the service does (ws_status.h), and
// with a certificate the port speaks TLS only (wss://, https://). Boost.Beast on one io_context
// run by one thread of its own, so connections need no strand. Faults (ws_faults.h) apply to
// connections made after they are set. Thread-safe; the writer must outlive the server.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "market/writer.h"
#include "shared/listen_address.h"
#include "shared/status.h"
#include "websocket/faults.h"
#include "websocket/status.h"

namespace usdcop::sim {

class WsServer {
 public:
  // TLS when `tls_cert` (and then `tls_key`, PEM files) is given. An error naming the flag and
  // the file when they are unusable.
  static Result<std::unique_ptr<WsServer>> Create(const ListenAddress& listen,
                                                  const std::string& tls_cert,
                                                  const std::string& tls_key, MarketWriter& writer);
  ~WsServer();
  WsServer(const WsServer&) = delete;
  WsServer& operator=(const WsServer&) = delete;

  // Binds the address; the port bound, or an error naming --websocket.listen.
  Result<int> Bind();
  // Serves on a thread of its own and follows the writer's publications. After Bind.
  void Start();
  // Stops following the writer, closes the connections (a close frame to the sessions, given
  // 250 ms) and ends the thread; false when it did not end within `budget` (it is then
  // detached, and the caller should exit the process).
  bool Stop(std::chrono::milliseconds budget);

  // ws://HOST:PORT/ws, or wss://; after Bind.
  std::string url() const;
  void SetFault(const WsFaultSetting& setting);  // `none` also releases held connections
  WsFaultSetting fault() const;
  WsCounts counts() const;
  // GET /sim/websocket/state: enabled, url, tls, the fault and the counts.
  nlohmann::json Describe() const;

 private:
  struct Impl;
  explicit WsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace usdcop::sim
