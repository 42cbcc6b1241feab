#include "control/control_server.h"

#include <algorithm>

#include "control/views.h"

namespace usdcop {
namespace {

// On every answer of the port (docs/status-page.md): the page needs no more than this policy.
// The HTTP server adds them (HttpServerOptions::default_headers), so that its own refusals carry
// them too.
constexpr std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
     "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    // Not no-referrer: with it Chromium sends "Origin: null" on the page's own POSTs.
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
};

ServerResponse ToHttp(const ControlResponse& r) {
  ServerResponse res;
  res.status = r.code;
  res.content_type = r.content_type.empty() ? std::string_view("application/json") : r.content_type;
  res.headers = r.headers;
  // The API's answers are not to be cached; the page's files set their own (no-cache, ETag).
  if (!HasHeader(res.headers, "Cache-Control"))
    res.headers.emplace_back("Cache-Control", "no-store");
  res.body = r.text ? r.text : ViewText(r.body);
  return res;
}

// The value of cookie `name` in a Cookie header ("a=1; b=2"); "" when absent.
std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semicolon = header.find(';');
    std::string_view pair = header.substr(0, semicolon);
    header =
        semicolon == std::string_view::npos ? std::string_view() : header.substr(semicolon + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name)
      return std::string(pair.substr(eq + 1));
  }
  return "";
}

HttpRoute ControlRouteOf(std::string_view method, std::string_view path) {
  HttpRoute route;
  route.body_limit = kMaxControlBody;
  // Actions may block. Views do not, but the alerts' views (and the status page's summary) share a
  // lock with the webhook, which
  // holds it while it writes episodes to the store: it waits on a worker, not on the I/O thread.
  route.blocking = method == "POST" || path == "/api/alerts/system" || path == "/api/status";
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
            for (const auto& [name, value] : kSecurityHeaders)
              options.default_headers.emplace_back(name, value);
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
  r.tls = gate_.tls() != nullptr;
  r.session_id = CookieValue(req.Header("Cookie"), SessionCookieName(r.tls));
  r.csrf_token = req.Header("X-CSRF-Token");
  r.origin = req.Header("Origin");
  r.host = req.Header("Host");
  r.from_browser = !r.origin.empty() || !req.Header("Sec-Fetch-Site").empty();
  r.content_type = req.Header("Content-Type");
  r.if_none_match = req.Header("If-None-Match");
  handler_(r, [reply = std::move(reply), close = req.body_too_large](ControlResponse answer) {
    ServerResponse res = ToHttp(answer);
    res.close = close;
    reply(std::move(res));
  });
}

}  // namespace usdcop
