// What an HTTP port publishes of its connections (usdcop_http_connections and
// usdcop_http_connections_rejected_total), as a plain value for the metrics renderer.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace usdcop {

// Why a connection was closed or refused by a limit: the `reason` label.
enum class HttpReject {
  kCapacity,      // the port's connection cap (the oldest waiting connection closed, or a new one
                  // refused)
  kPerAddress,    // the cap of one client address
  kHeadTimeout,   // a request head (or a TLS handshake's ClientHello) did not arrive in time
  kIdle,          // a keep-alive connection waited longer than the idle timeout
  kTooLarge,      // a request line, header block or body over its limit (414, 431, 413)
  kTls,           // a failed TLS handshake
  kMalformed,     // not HTTP/1.x (400)
  kBodyTimeout,   // a body did not arrive in time
  kWriteTimeout,  // the client did not read the answer in time
};
inline constexpr std::array kAllHttpRejects = {
    HttpReject::kCapacity,  HttpReject::kPerAddress,  HttpReject::kHeadTimeout,
    HttpReject::kIdle,      HttpReject::kTooLarge,    HttpReject::kTls,
    HttpReject::kMalformed, HttpReject::kBodyTimeout, HttpReject::kWriteTimeout};
const char* HttpRejectName(HttpReject reason);

struct HttpServerStats {
  std::string port;  // "metrics" or "control"
  std::uint64_t open = 0;
  std::array<std::uint64_t, kAllHttpRejects.size()> rejected{};  // by HttpReject
};

}  // namespace usdcop
