// A WebSocket client for the probes: Boost.Beast over Asio, OpenSSL for wss://. A connection is
// driven phase by phase (dial, read, write, close); each phase is bounded by its own timeout and
// by the run's Deadline, and ends within ~50 ms once the run is cancelled. A wss:// server's
// certificate is checked against the system's store or a CA file, and its names against the
// URL's host (SNI is sent for host names). Behind small interfaces so that the probe can be unit
// tested without a network. Not thread-safe: a connection belongs to one probe run.
#pragma once

#include <memory>
#include <string>

#include "common/deadline.h"
#include "common/status.h"
#include "common/units.h"

namespace usdcop {

struct WebSocketEndpoint {
  std::string url;      // ws://host[:port]/path[?query] or wss://...
  std::string ca_file;  // wss://: trust this PEM bundle; "" = the system's store
  size_t max_message_bytes = 1u << 20;
};

// Seconds since Dial() began.
struct WebSocketTimings {
  double connected = 0;  // TCP connected
  double upgraded = 0;   // TLS and the HTTP upgrade done
};

class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  // The next message (text or binary). Errors: closed (the peer sent a close frame, whose code
  // and reason the message gives, or dropped the connection), timeout, cancelled, parse (larger
  // than max_message_bytes).
  virtual Result<std::string> Read(Duration timeout, const Deadline& deadline) = 0;
  virtual Status Write(const std::string& text, Duration timeout, const Deadline& deadline) = 0;
  // Sends a close frame (1000, normal) and waits for the peer's answer.
  virtual Status Close(Duration timeout, const Deadline& deadline) = 0;
};

class WebSocketDialer {
 public:
  virtual ~WebSocketDialer() = default;
  // Resolves and connects (connect_timeout), then TLS and the upgrade (handshake_timeout).
  // Errors: connect, timeout (naming the phase), tls, handshake (with the HTTP status when the
  // server answered without upgrading), cancelled.
  virtual Result<std::unique_ptr<WebSocketConnection>> Dial(const WebSocketEndpoint& endpoint,
                                                            Duration connect_timeout,
                                                            Duration handshake_timeout,
                                                            const Deadline& deadline,
                                                            WebSocketTimings& timings) = 0;
};

class BeastWebSocketDialer final : public WebSocketDialer {
 public:
  Result<std::unique_ptr<WebSocketConnection>> Dial(const WebSocketEndpoint& endpoint,
                                                    Duration connect_timeout,
                                                    Duration handshake_timeout,
                                                    const Deadline& deadline,
                                                    WebSocketTimings& timings) override;
};

}  // namespace usdcop
