// The side port: the control API over HTTP(S), on an HttpServer (bounded against hostile and slow
// clients). It turns each request into a ControlRequest and the answer back into JSON over HTTP,
// and knows nothing else of the API. A GET (a view, never blocking) is handled on the I/O thread;
// a POST (actions call other systems and may block) and the alerts' view (which may wait for the
// webhook's writes) on a bounded worker pool, and a full pool answers 503. Either is answered when
// the API gives its answer (once the audit row is committed), so no thread waits for the commit.
// Bodies are limited to kMaxControlBody: one that declares more is refused (through the API:
// authenticated, audited) without being read, a longer chunked one when it passes the limit; both
// answer 413 as JSON and close the connection.
// With a web config it serves HTTPS with the config's TLS settings and headers; basic-auth
// credentials are verified by the server (off the I/O threads) and handed to the API, which maps
// users to roles. Every answer carries the status page's security headers (Content-Security-Policy
// and the others of docs/status-page.md; the web config's headers win where they name the same),
// and the API's answers Cache-Control: no-store. Thread-safe.
#pragma once

#include <functional>
#include <memory>

#include "common/listen_address.h"
#include "common/log.h"
#include "common/status.h"
#include "control/api_types.h"
#include "http/http_server.h"
#include "http/web_gate.h"

namespace usdcop {

class ControlServer {
 public:
  using Handler =
      std::function<void(const ControlRequest&, std::function<void(ControlResponse)> done)>;
  static constexpr size_t kWorkers = 4;

  ControlServer(Handler handler, Logger& log, HttpServerOptions options,
                std::shared_ptr<const WebConfig> web = nullptr);
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  Result<int> Start(const ListenAddress& address) { return server_.Start(address); }
  void Stop() { server_.Stop(); }
  Status UpdateWebConfig(std::shared_ptr<const WebConfig> web) {
    return gate_.Update(std::move(web));
  }
  HttpServerStats Stats() const { return server_.Stats(); }

 private:
  void Serve(const ServerRequest& request, Responder reply);

  Handler handler_;
  WebGate gate_;
  HttpServer server_;  // last: stopped and destroyed before what its handlers use
};

}  // namespace usdcop
