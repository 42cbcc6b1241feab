// The public port: /metrics, /-/healthy, /-/ready, POST /-/reload (with --web.enable-lifecycle)
// and a landing page at /, on an HttpServer (bounded against hostile and slow clients). It serves
// what its handlers give it and knows nothing of probes or config. The exposition is sent without
// copying (by sendfile from a memory file on plain HTTP), gzip-encoded when the client asks (as
// Prometheus does), compressed once per change.
// With a web config (--web.config.file) it serves HTTPS and requires basic auth when the config
// has users. Reloads run on a worker, at most one per kReloadInterval. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/listen_address.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/status.h"
#include "http/http_server.h"
#include "http/web_gate.h"

namespace usdcop {

struct MetricsServerHandlers {
  std::function<std::shared_ptr<const std::string>()> metrics;  // never blocks on a probe
  std::function<bool()> ready;
  std::function<Status()> reload;
  std::function<std::string()> landing_page;  // HTML
};

class MetricsServer {
 public:
  // Reloads by HTTP closer together than this are answered 429: each reload runs every probe
  // again, and back-to-back reloads must not keep the monitored systems busy.
  static constexpr std::chrono::seconds kReloadInterval{5};
  static constexpr size_t kMaxReloadBody = 4 * 1024;

  // `web` null: plain HTTP, no authentication. `lifecycle`: --web.enable-lifecycle.
  MetricsServer(MetricsServerHandlers handlers, Logger& log, HttpServerOptions options,
                std::shared_ptr<const WebConfig> web = nullptr, bool lifecycle = false);
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds and starts serving; the bound port (useful with port 0).
  Result<int> Start(const ListenAddress& address) { return server_.Start(address); }
  void Stop() { server_.Stop(); }
  // A reloaded web config, for the requests and connections that follow (see WebGate::Update).
  Status UpdateWebConfig(std::shared_ptr<const WebConfig> web) {
    return gate_.Update(std::move(web));
  }
  HttpServerStats Stats() const { return server_.Stats(); }

 private:
  ServerResponse Handle(const ServerRequest& request);
  ServerResponse Reload();
  // An exposition as sent: the text and its gzip encoding, each also in a memory file for
  // sendfile. Made once per exposition (the renderer makes a new one when something changed), by
  // the scrape that first sees it; the others meanwhile get the previous one.
  struct Encodings {
    std::shared_ptr<const std::string> text;
    std::shared_ptr<const std::string> gzip;    // "" when zlib failed: the text is sent
    std::shared_ptr<const FileBody> text_file;  // null when no memory file could be made
    std::shared_ptr<const FileBody> gzip_file;
  };
  std::shared_ptr<const Encodings> EncodingsOf(std::shared_ptr<const std::string> text);

  MetricsServerHandlers handlers_;
  const bool lifecycle_;
  WebGate gate_;  // before server_, which uses it

  Mutex encodings_mu_;
  std::shared_ptr<const Encodings> encodings_
      GUARDED_BY(encodings_mu_);                     // of the newest exposition
  bool building_ GUARDED_BY(encodings_mu_) = false;  // a scrape is making the next
  Mutex reload_mu_;
  std::optional<std::chrono::steady_clock::time_point> last_reload_ GUARDED_BY(reload_mu_);

  HttpServer server_;  // last: stopped and destroyed before what its handlers use
};

}  // namespace usdcop
