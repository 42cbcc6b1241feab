// One connection to the WebSocket server, from TCP accept to close, as coroutines on the
// server's io thread: the TLS handshake (with TLS on), then HTTP requests (/health, /status;
// ws_status.h) until an upgrade request for /ws, then a WebSocket session. A session sends the
// newest published bar at once and then each bar published (ws_hub.h), reads and ignores what
// the client sends, and answers a close frame with a close frame. The fault in force when the
// upgrade request arrives shapes the session (ws_faults.h).
//
// Bounds: 30 s for the TLS handshake, a request and an answer; 10 s for the WebSocket close
// handshake; a session that has received nothing from its client for 150 s pings it, and is
// closed after 300 s without anything from it (not a session silent held: nothing at all is
// sent while it holds it, and no ping afterwards). A client too slow to take its messages is
// dropped once 256 wait for it or a write has been stuck for 30 s.
#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <exception>

#include "websocket/hub.h"

namespace usdcop::sim {

// Serves `socket` on the io thread that runs its executor, speaking TLS when `tls` is not null
// (it must outlive the connection). Call on the io thread.
void SpawnWsConnection(WsHub& hub, boost::asio::ip::tcp::socket socket,
                       boost::asio::ssl::context* tls);

// The completion of a coroutine spawned on the io thread: logs an exception, if any.
void LogIfThrew(const char* what, std::exception_ptr error);

}  // namespace usdcop::sim
