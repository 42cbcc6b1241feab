#include "http/metrics_server.h"

namespace usdcop {

MetricsServer::MetricsServer(MetricsServerHandlers handlers, Logger& log, size_t max_connections)
    : handlers_(std::move(handlers)), log_(log) {
  // Each keep-alive connection holds a pool thread while it is open.
  server_.new_task_queue = [max_connections] { return new httplib::ThreadPool(max_connections); };
  server_.set_tcp_nodelay(true);
  server_.set_keep_alive_timeout(30);  // Prometheus keeps its scrape connection between scrapes
  server_.set_keep_alive_max_count(10000);
  server_.set_read_timeout(10, 0);
  server_.set_write_timeout(10, 0);
  server_.set_payload_max_length(64 * 1024);
  Routes();
}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::Routes() {
  server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    std::shared_ptr<const std::string> text = handlers_.metrics();
    res.set_content(*text, "text/plain; version=0.0.4; charset=utf-8");
  });
  server_.Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("usdcop_exporter is Healthy.\n", "text/plain; charset=utf-8");
  });
  server_.Get("/-/ready", [this](const httplib::Request&, httplib::Response& res) {
    bool ready = handlers_.ready();
    res.status = ready ? 200 : 503;
    res.set_content(ready ? "usdcop_exporter is Ready.\n" : "Service Unavailable: probes have not all run once yet.\n",
                    "text/plain; charset=utf-8");
  });
  auto reload = [this](const httplib::Request&, httplib::Response& res) {
    Status s = handlers_.reload();
    res.status = s.ok() ? 200 : 500;
    res.set_content(s.ok() ? "config reloaded\n" : "failed to reload config: " + s.message() + "\n",
                    "text/plain; charset=utf-8");
  };
  server_.Post("/-/reload", reload);
  server_.Put("/-/reload", reload);
  server_.Get("/-/reload", [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST, PUT");
    res.set_content("use POST /-/reload\n", "text/plain; charset=utf-8");
  });
  server_.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.path != "/") {
      res.status = 404;
      return;
    }
    res.set_content(handlers_.landing_page(), "text/html; charset=utf-8");
  });
}

Result<int> MetricsServer::Start(const ListenAddress& address) {
  int port = address.port == 0 ? server_.bind_to_any_port(address.host)
                               : (server_.bind_to_port(address.host, address.port) ? address.port : -1);
  if (port < 0)
    return Status(Reason::kConnect, "cannot listen on " + address.host + ":" + std::to_string(address.port) +
                                        " (in use, or not an address of this host)");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  return port;
}

void MetricsServer::Stop() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace usdcop
