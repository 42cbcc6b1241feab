#include "http/control_server.h"

namespace usdcop {
namespace {

ServerResponse Json(const ControlResponse& r) {
  ServerResponse res;
  res.status = r.code;
  res.content_type = "application/json";
  res.headers = r.headers;
  res.headers.emplace_back("Cache-Control", "no-store");
  res.body = std::make_shared<const std::string>(
      r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  return res;
}

HttpRoute ControlRouteOf(std::string_view, std::string_view) {
  HttpRoute route;
  route.body_limit = kMaxControlBody;
  route.blocking = true;
  return route;  // authentication is the API's: a bearer token or a basic-auth user
}

}  // namespace

ControlServer::ControlServer(Handler handler, Logger& log, HttpServerOptions options,
                             std::shared_ptr<const WebConfig> web)
    : handler_(std::move(handler)),
      gate_(std::move(web)),
      server_(
          [&options] {
            options.workers = kWorkers;
            return options;
          }(),
          ControlRouteOf, [this](const ServerRequest& r) { return Serve(r); }, gate_, log) {}

ServerResponse ControlServer::Serve(const ServerRequest& req) {
  ControlRequest r;
  r.method = req.method;
  r.path = req.path;
  r.authorization = req.Header("Authorization");
  r.basic_user = req.basic_user;
  r.idempotency_key = req.Header("Idempotency-Key");
  r.remote_addr = req.remote_addr;
  r.body_too_large = req.body_too_large;
  if (!req.body_too_large) r.body = req.body;
  ServerResponse res = Json(handler_(r));
  res.close = req.body_too_large;
  return res;
}

}  // namespace usdcop
