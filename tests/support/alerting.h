// The alert path's real parts for integration tests: Prometheus and Alertmanager as processes
// on loopback ports, and a webhook receiver that records what Alertmanager sends. Each server
// lives in a directory of the test's and is stopped by PID when destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/ports.h"
#include "support/process.h"

namespace httplib {
class Server;
}

namespace usdcop::testing {

// One alert as Alertmanager's webhook delivered it, with when it arrived.
struct ReceivedAlert {
  std::chrono::steady_clock::time_point received;
  std::string receiver;       // the payload's `receiver`
  std::string path;           // where it was POSTed
  std::string authorization;  // the request's Authorization header
  nlohmann::json alert;       // {status, labels, annotations, startsAt, endsAt, ...}
};

// Takes Alertmanager's webhook POSTs on 127.0.0.1 (any path). Thread-safe.
class WebhookReceiver {
 public:
  WebhookReceiver();
  ~WebhookReceiver();
  int port() const { return port_; }
  std::string Url(const std::string& path = "/alerts") const;
  std::vector<ReceivedAlert> Alerts() const;
  // The first alert named `alertname` with `status` ("firing", "resolved") that arrived at or
  // after `since`; waits up to `limit`.
  std::optional<ReceivedAlert> WaitFor(const std::string& alertname, const std::string& status,
                                       std::chrono::steady_clock::time_point since, std::chrono::milliseconds limit);

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ReceivedAlert> alerts_;  // guarded by mu_
};

// `prometheus` with `config_yaml` (written to dir/prometheus.yml; rule files it names are the
// caller's), TSDB in dir/data, the lifecycle API on.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& dir, const std::string& config_yaml);
  int port() const { return port_; }
  // GET /api/v1/query?query=...: the `data.result` array, or null when the request failed.
  nlohmann::json Query(const std::string& promql) const;
  std::string Log() const { return process_->Log(); }

 private:
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// `prometheus-alertmanager` with the config file at `config_path`, data in dir/alertmanager, a
// single node (no cluster listener).
class AlertmanagerServer {
 public:
  AlertmanagerServer(const std::string& dir, const std::string& config_path);
  int port() const { return port_; }
  std::string Log() const { return process_->Log(); }

 private:
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace usdcop::testing
