// The exporter's HTTP/1.1 server, for both of its ports, on Boost.Beast/Asio: a few I/O threads,
// no thread per connection, and a bound on everything a client controls.
//  - Framing: the request line and each header line at most `max_line` (414 / 431), all
//    headers at most `max_header_bytes`, at most `max_fields` fields (431), malformed heads 400.
//    A body over its route's limit is refused with 413 whether it declares a length (not read)
//    or is chunked (read up to the limit); a request without either has no body (RFC 9112).
//    After an answer given before the body was read the connection is closed, so an unread
//    body is never parsed as a request.
//  - Deadlines per request, not per read: a head (and a TLS handshake) must arrive whole within
//    `head_timeout`, a body within another `head_timeout`; a keep-alive connection waiting for
//    its next request closes after `idle_timeout`; a response that cannot be written within
//    `write_timeout` is cut.
//  - Caps: ConnectionLimiter (global and per client address, the oldest waiting connection
//    closed first when full); one log line a minute per reason when a limit bites.
//  - basic auth (WebGate): a cached success is checked on the I/O thread; bcrypt runs on a
//    one-thread pool with a bounded queue, and a full queue answers 503 at once. Handlers of
//    `blocking` routes run on a bounded worker pool (503 when full); the others on the I/O thread.
// The handler sees a parsed request and answers it through a Responder, at once or later from any
// thread (the control API answers once its audit row is committed); it knows nothing of sockets.
// A handler that returns its answer is the simple case of it. It also
// sees a request whose body was over the limit (body_too_large, no body), to shape or audit the
// answer: the server makes it a 413 unless the handler refused with another 4xx or 5xx.
// Thread-safe; Start once, Stop (or the destructor) once. Start sets SIGPIPE to be ignored.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/fd.h"
#include "common/listen_address.h"
#include "common/log.h"
#include "common/status.h"
#include "http/web_gate.h"
#include "metrics/server_stats.h"

namespace usdcop {

struct HttpServerOptions {
  std::string port_name;  // "metrics" or "control": the `port` label of the connection metrics
  size_t io_threads = 2;
  size_t max_connections = 1024;
  size_t max_connections_per_address = 128;
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds write_timeout{30000};
  size_t max_line = 8 * 1024;
  size_t max_header_bytes = 32 * 1024;
  size_t max_fields = 100;
  size_t workers = 0;        // threads for blocking routes (0: every handler on the I/O threads)
  size_t worker_queue = 64;  // blocking requests queued at most before 503
  size_t auth_queue = 16;    // bcrypt checks queued at most before 503
  // On every answer, the server's own refusals (400, 401, 413, 503...) too, unless the web
  // config's headers or the answer name the same header (case-insensitive).
  std::vector<std::pair<std::string, std::string>> default_headers;
};

struct ServerRequest {
  std::string method;  // GET for a HEAD request (the server drops the body of the answer)
  std::string target;  // as sent: path and query
  std::string path;    // the target up to '?'
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool body_too_large = false;  // the body was over the route's limit and is not in `body`
  std::string remote_addr;      // the client's IP address
  std::string basic_user;       // the web config's user whose basic credentials came with it

  // The first header of that name (case-insensitive); "" when absent.
  std::string Header(std::string_view name) const;
};

// Whether `headers` has a header `name` (case-insensitive, as HTTP field names are).
bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers,
               std::string_view name);

// A body's bytes also held in a memory file (memfd), which the server sends on plain-HTTP
// connections with sendfile(2): no copy through user space, as nginx serves a static file.
// Immutable once made; many connections may send it at once (each with its own offset).
struct FileBody {
  Fd fd;
  size_t size = 0;
};
// The bytes in a new sealed memory file; null when the kernel refuses (the body is then sent from
// memory).
std::shared_ptr<const FileBody> MakeFileBody(std::string_view bytes);

struct ServerResponse {
  int status = 200;
  std::string_view content_type = "text/plain; charset=utf-8";  // a literal: it is not copied
  std::shared_ptr<const std::string> body;  // null: empty; shared, so a cached body is not copied
  std::shared_ptr<const FileBody> file;     // optional: `body`'s bytes in a memory file
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this answer
};
ServerResponse TextResponse(int status, std::string text);

// The answer to one request, given once, from any thread: the server writes it on the connection's
// own thread (at once when called there). Copies share the one answer; a second is ignored. When
// the last copy goes without an answer (a handler's bug), the client gets a 500, never a wait.
class Responder {
 public:
  explicit Responder(std::function<void(ServerResponse)> send);
  void operator()(ServerResponse response) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// What the server must know of a request's route before reading its body.
struct HttpRoute {
  size_t body_limit = 0;  // bytes of body accepted
  bool blocking = false;  // the handler may block: run it on a worker
  bool require_basic_auth =
      false;  // 401 unless the web config's basic auth (when it has users) passes
};

class HttpServer {
 public:
  using Router = std::function<HttpRoute(std::string_view method, std::string_view path)>;
  using Handler = std::function<ServerResponse(const ServerRequest&)>;
  // The request is valid until it is answered.
  using AsyncHandler = std::function<void(const ServerRequest&, Responder)>;

  // `gate` must outlive the server; its TLS selector, when set, makes the port HTTPS.
  HttpServer(HttpServerOptions options, Router router, Handler handler, WebGate& gate, Logger& log);
  HttpServer(HttpServerOptions options, Router router, AsyncHandler handler, WebGate& gate,
             Logger& log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the I/O threads; the bound port (useful with port 0).
  Result<int> Start(const ListenAddress& address);
  // Closes the port and joins its threads, then waits for the answers still owed (a handler's
  // Responder held elsewhere) to be given or dropped: what they touch must outlive this call.
  void Stop();

  HttpServerStats Stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::vector<std::thread> threads_;
};

}  // namespace usdcop
