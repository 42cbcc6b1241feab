#include "http/metrics_server.h"

#include "http/gzip.h"

namespace usdcop {
namespace {

constexpr const char* kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

HttpRoute MetricsRouteOf(std::string_view method, std::string_view path) {
  HttpRoute route;
  route.require_basic_auth = true;
  if (path == "/-/reload" && (method == "POST" || method == "PUT")) {
    route.body_limit = MetricsServer::kMaxReloadBody;
    route.blocking = true;
  }
  return route;
}

ServerResponse MethodNotAllowed(const char* allow) {
  ServerResponse r = TextResponse(405, std::string("Method Not Allowed: use ") + allow + "\n");
  r.headers.emplace_back("Allow", allow);
  return r;
}

}  // namespace

MetricsServer::MetricsServer(MetricsServerHandlers handlers, Logger& log, HttpServerOptions options,
                             std::shared_ptr<const WebConfig> web, bool lifecycle)
    : handlers_(std::move(handlers)),
      lifecycle_(lifecycle),
      gate_(std::move(web)),
      server_(
          [&options] {
            options.workers = 1;  // reloads, one at a time
            options.worker_queue = 4;
            return options;
          }(),
          MetricsRouteOf, [this](const ServerRequest& r) { return Handle(r); }, gate_, log) {}

ServerResponse MetricsServer::Handle(const ServerRequest& req) {
  if (req.body_too_large) {
    ServerResponse r = TextResponse(413, req.path == "/-/reload"
                                             ? "Payload Too Large: /-/reload takes at most 4 KiB\n"
                                             : "Payload Too Large: this endpoint takes no body\n");
    r.close = true;
    return r;
  }
  if (req.path == "/-/reload") {
    if (req.method == "POST" || req.method == "PUT") return Reload();
    return MethodNotAllowed("POST, PUT");
  }
  if (req.method != "GET") return MethodNotAllowed("GET");
  if (req.path == "/metrics") {
    ServerResponse r;
    r.content_type = kExpositionType;
    std::shared_ptr<const Encodings> e = EncodingsOf(handlers_.metrics());
    if (AcceptsGzip(req.Header("Accept-Encoding")) && !e->gzip->empty()) {
      r.body = e->gzip;
      r.file = e->gzip_file;
      r.headers.emplace_back("Content-Encoding", "gzip");
    } else {
      r.body = e->text;
      r.file = e->text_file;
    }
    return r;
  }
  if (req.path == "/-/healthy") return TextResponse(200, "usdcop_exporter is Healthy.\n");
  if (req.path == "/-/ready")
    return handlers_.ready()
               ? TextResponse(200, "usdcop_exporter is Ready.\n")
               : TextResponse(503, "Service Unavailable: probes have not all run once yet.\n");
  if (req.path == "/") {
    ServerResponse r = TextResponse(200, handlers_.landing_page());
    r.content_type = "text/html; charset=utf-8";
    return r;
  }
  return TextResponse(404, "Not Found\n");
}

ServerResponse MetricsServer::Reload() {
  if (!lifecycle_)
    return TextResponse(403,
                        "Forbidden: the lifecycle endpoint is off; start the exporter with "
                        "--web.enable-lifecycle to reload by HTTP, or send it SIGHUP.\n");
  {
    MutexLock lock(reload_mu_);
    const auto now = std::chrono::steady_clock::now();
    if (last_reload_ && now - *last_reload_ < kReloadInterval) {
      const auto wait =
          std::chrono::ceil<std::chrono::seconds>(kReloadInterval - (now - *last_reload_));
      ServerResponse r = TextResponse(
          429, "Too Many Requests: one reload per " + std::to_string(kReloadInterval.count()) +
                   "s; retry in " + std::to_string(wait.count()) + "s.\n");
      r.headers.emplace_back("Retry-After", std::to_string(wait.count()));
      return r;
    }
    last_reload_ = now;
  }
  Status s = handlers_.reload();
  // The reason is in the log: the config's text (and any secret in it) never goes to a client.
  return s.ok() ? TextResponse(200, "config reloaded\n")
                : TextResponse(500, "failed to reload config; see the log\n");
}

std::shared_ptr<const MetricsServer::Encodings> MetricsServer::EncodingsOf(
    std::shared_ptr<const std::string> text) {
  std::shared_ptr<const Encodings> current;
  {
    MutexLock lock(encodings_mu_);
    current = encodings_;
    if (current && current->text == text) return current;
    // Another scrape is compressing the new exposition: serve the one before it meanwhile (at
    // most a second older, as the process metrics are) rather than stall every I/O thread on
    // the lock for the compression's milliseconds.
    if (current && building_) return current;
    building_ = true;
  }
  auto e = std::make_shared<Encodings>();
  e->gzip = std::make_shared<const std::string>(Gzip(*text));
  e->text_file = MakeFileBody(*text);
  e->gzip_file = MakeFileBody(*e->gzip);
  e->text = std::move(text);
  MutexLock lock(encodings_mu_);
  building_ = false;
  encodings_ = e;
  return e;
}

}  // namespace usdcop
