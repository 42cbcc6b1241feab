#include "control/control_server.h"

namespace usdcop {
namespace {

ServerResponse Json(const ControlResponse& r) {
  ServerResponse res;
  res.status = r.code;
  res.content_type = "application/json";
  res.headers = r.headers;
  res.headers.emplace_back("Cache-Control", "no-store");
  res.body =
      r.text ? r.text
             : std::make_shared<const std::string>(
                   r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  return res;
}

HttpRoute ControlRouteOf(std::string_view method, std::string_view path) {
  HttpRoute route;
  route.body_limit = kMaxControlBody;
  // Actions may block. Views do not, but the alerts' view shares a lock with the webhook, which
  // holds it while it writes episodes to the store: it waits on a worker, not on the I/O thread.
  route.blocking = method == "POST" || path == "/api/alerts/system";
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
          ControlRouteOf, HttpServer::AsyncHandler([this](const ServerRequest& r, Responder reply) {
            Serve(r, std::move(reply));
          }),
          gate_, log) {}

void ControlServer::Serve(const ServerRequest& req, Responder reply) {
  ControlRequest r;
  r.method = req.method;
  r.path = req.path;
  r.authorization = req.Header("Authorization");
  r.basic_user = req.basic_user;
  r.idempotency_key = req.Header("Idempotency-Key");
  r.remote_addr = req.remote_addr;
  r.body_too_large = req.body_too_large;
  if (!req.body_too_large) r.body = req.body;
  handler_(r, [reply = std::move(reply), close = req.body_too_large](ControlResponse answer) {
    ServerResponse res = Json(answer);
    res.close = close;
    reply(std::move(res));
  });
}

}  // namespace usdcop
