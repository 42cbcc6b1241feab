#include "http/metrics_server.h"

#include <sys/socket.h>

#include "http/gzip.h"

namespace usdcop {

MetricsServer::MetricsServer(MetricsServerHandlers handlers, Logger& log, size_t max_connections,
                             std::shared_ptr<const WebConfig> web)
    : handlers_(std::move(handlers)), log_(log), gate_(std::move(web)), server_(gate_.MakeServer()) {
  if (!server_) return;  // Start says so
  // Each keep-alive connection holds a pool thread while it is open.
  server_->new_task_queue = [max_connections] { return new httplib::ThreadPool(max_connections); };
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_timeout(30);  // Prometheus keeps its scrape connection between scrapes
  server_->set_keep_alive_max_count(10000);
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);
  server_->set_payload_max_length(64 * 1024);
  server_->set_socket_options([this](socket_t fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = fd;
  });
  Routes();
}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::Routes() {
  server_->Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<const std::string> body = handlers_.metrics();
    if (AcceptsGzip(req.get_header_value("Accept-Encoding"))) {
      if (auto gz = Gzipped(body); !gz->empty()) {
        body = std::move(gz);
        res.set_header("Content-Encoding", "gzip");
      }
    }
    // A provider of known length: sent as it is, no copy, no re-compression by httplib.
    res.set_content_provider(body->size(), "text/plain; version=0.0.4; charset=utf-8",
                             [body](size_t offset, size_t length, httplib::DataSink& sink) {
                               return sink.write(body->data() + offset, length);
                             });
  });
  server_->Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("usdcop_exporter is Healthy.\n", "text/plain; charset=utf-8");
  });
  server_->Get("/-/ready", [this](const httplib::Request&, httplib::Response& res) {
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
  server_->Post("/-/reload", reload);
  server_->Put("/-/reload", reload);
  server_->Get("/-/reload", [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST, PUT");
    res.set_content("use POST /-/reload\n", "text/plain; charset=utf-8");
  });
  server_->Get("/", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.path != "/") {
      res.status = 404;
      return;
    }
    res.set_content(handlers_.landing_page(), "text/html; charset=utf-8");
  });
}

Result<int> MetricsServer::Start(const ListenAddress& address) {
  if (!server_) return Status(Reason::kTls, "OpenSSL could not set up the HTTPS server");
  int port = address.port == 0 ? server_->bind_to_any_port(address.host)
                               : (server_->bind_to_port(address.host, address.port) ? address.port : -1);
  // Debian's libcpp-httplib listens with a backlog of 5: when many clients connect at once the
  // kernel drops handshakes and a client stalls for a second or more. Listen again, deeper.
  if (port >= 0 && listen_fd_ >= 0) ::listen(listen_fd_, SOMAXCONN);
  if (port < 0)
    return Status(Reason::kConnect, "cannot listen on " + address.host + ":" + std::to_string(address.port) +
                                        " (in use, or not an address of this host)");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return port;
}

std::shared_ptr<const std::string> MetricsServer::Gzipped(const std::shared_ptr<const std::string>& text) {
  std::lock_guard lock(gzip_mu_);
  if (gzip_of_ != text) {
    gzip_ = std::make_shared<const std::string>(Gzip(*text));
    gzip_of_ = text;
  }
  return gzip_;
}

void MetricsServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace usdcop
