// An HttpServer on 127.0.0.1 (any free port) for unit tests, serving "ok" at every path behind
// a WebGate, with basic auth required where the gate has users. Stopped when destroyed.
#pragma once

#include <memory>
#include <utility>

#include "common/log.h"
#include "http/http_server.h"
#include "http/web_gate.h"

namespace usdcop {

class TestHttpServer {
 public:
  explicit TestHttpServer(std::shared_ptr<const WebConfig> web, HttpServerOptions options = {},
                          HttpServer::Handler handler = nullptr)
      : gate_(std::move(web)),
        server_(
            std::move(options),
            [](std::string_view, std::string_view) {
              HttpRoute route;
              route.body_limit = 1024;
              route.require_basic_auth = true;
              return route;
            },
            handler ? std::move(handler)
                    : [](const ServerRequest&) { return TextResponse(200, "ok"); },
            gate_, log_) {
    auto port = server_.Start(ListenAddress{"127.0.0.1", 0});
    port_ = port.ok() ? *port : -1;
  }
  int port() const { return port_; }
  WebGate& gate() { return gate_; }
  HttpServer& server() { return server_; }

 private:
  Logger log_{LogLevel::kError};
  WebGate gate_;
  HttpServer server_;
  int port_ = -1;
};

}  // namespace usdcop
