// The public port: /metrics, /-/healthy, /-/ready, POST /-/reload and a landing page at /.
// It serves what its handlers give it and knows nothing of probes or config. Thread-safe;
// each connection is served by a thread of a fixed pool. The exposition is sent without
// copying, gzip-encoded when the client asks (as Prometheus does), compressed once per change.
// With a web config (--web.config.file) it serves HTTPS and checks basic auth (see WebGate).
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/log.h"
#include "common/status.h"
#include "http/listen_address.h"
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
  // `web` null: plain HTTP, no authentication.
  MetricsServer(MetricsServerHandlers handlers, Logger& log, size_t max_connections,
                std::shared_ptr<const WebConfig> web = nullptr);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds and starts serving on a thread of its own; the bound port (useful with port 0).
  Result<int> Start(const ListenAddress& address);
  void Stop();
  // A reloaded web config, for the requests and connections that follow (see WebGate::Update).
  Status UpdateWebConfig(std::shared_ptr<const WebConfig> web) { return gate_.Update(std::move(web)); }

 private:
  void Routes();
  // The gzip encoding of the current exposition, made once per exposition.
  std::shared_ptr<const std::string> Gzipped(const std::shared_ptr<const std::string>& text);

  MetricsServerHandlers handlers_;
  Logger& log_;
  WebGate gate_;
  std::unique_ptr<httplib::Server> server_;  // null when TLS could not be set up
  std::thread thread_;
  int listen_fd_ = -1;

  std::mutex gzip_mu_;
  std::shared_ptr<const std::string> gzip_of_;  // guarded by gzip_mu_: the text gzip_ encodes
  std::shared_ptr<const std::string> gzip_;     // guarded by gzip_mu_
};

}  // namespace usdcop
