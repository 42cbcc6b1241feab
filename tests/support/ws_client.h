// A small WebSocket client for integration tests (Boost.Beast), to 127.0.0.1 only: plain
// (ws://) or TLS (wss://, verifying the server's certificate and its 127.0.0.1 address against
// a CA file), each call bounded in time. An operation that runs out of time stays under way: a
// later AwaitConnect() or Read() goes on waiting for it, so a test can check the server's
// state while a handshake or a message is held back. Not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace usdcop::testing {

struct WsClientOptions {
  int port = 0;
  std::string path = "/ws";
  bool tls = false;
  std::string ca_file;  // with tls: the CA to trust; empty: the system's CAs
};

// How the connection ended.
struct WsEnd {
  bool ended = false;
  bool close_frame = false;  // the server closed with a close frame (websocket::error::closed)
  int close_code = 0;        // its code, e.g. 1011
  std::string close_reason;
  std::string error;  // what Beast reported, e.g. "end of stream"
};

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Connects (TCP, TLS, upgrade) and waits up to `limit`: true once upgraded. When false,
  // connecting() says whether it is still under way, error() why it failed.
  bool Connect(const WsClientOptions& options, std::chrono::milliseconds limit);
  // Waits up to `limit` more for a connect still under way.
  bool AwaitConnect(std::chrono::milliseconds limit);
  bool connecting() const;
  // The HTTP status of the server's answer to the upgrade request (101, 403, ...); 0 before one
  // came.
  int status() const;
  const std::string& error() const;

  // The next message, within `limit`; nullopt when none came in time (the read stays under way)
  // or the connection ended (end() says how).
  std::optional<std::string> Read(std::chrono::milliseconds limit);
  bool SendText(const std::string& text, std::chrono::milliseconds limit);
  // Sends a close frame (1000) and waits up to `limit` for the server's: true on a clean close.
  bool Close(std::chrono::milliseconds limit);
  // Closes the TCP connection at once.
  void Abandon();
  const WsEnd& end() const;

 private:
  class Connection;
  template <class Stream>
  class ConnectionOn;

  std::unique_ptr<Connection> connection_;
};

}  // namespace usdcop::testing
