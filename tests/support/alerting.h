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
                                       std::chrono::steady_clock::time_point since,
                                       std::chrono::milliseconds limit);

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ReceivedAlert> alerts_;  // guarded by mu_
};

// What a PrometheusServer may change from the defaults.
struct PrometheusOptions {
  int port = 0;                          // 0: a free low port
  std::vector<std::string> extra_flags;  // e.g. "--rules.alert.resend-delay=2s"
};

// `prometheus` with `config_yaml` (written to dir/prometheus.yml; rule files it names are the
// caller's), TSDB in dir/data, the lifecycle API on.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& dir, const std::string& config_yaml);
  PrometheusServer(const std::string& dir, const std::string& config_yaml,
                   const PrometheusOptions& options);
  int port() const { return port_; }
  // SIGKILL, as a crash: no flush, no goodbye to anyone. Waits for the exit (bounded).
  void Kill();
  // GET /api/v1/query?query=...: the `data.result` array, or null when the request failed.
  nlohmann::json Query(const std::string& promql) const;
  std::string Log() const { return process_->Log(); }

 private:
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// What an AlertmanagerServer may change from the defaults (a single node).
struct AlertmanagerOptions {
  int port = 0;                    // 0: a free low port
  std::string cluster_listen;      // --cluster.listen-address; "" = no cluster listener
  std::vector<std::string> peers;  // --cluster.peer, each HOST:PORT
  std::string peer_timeout;        // --cluster.peer-timeout when set (e.g. "3s")
  std::string settle_timeout;      // --cluster.settle-timeout when set (e.g. "5s")
};

// `prometheus-alertmanager` with the config file at `config_path`, data in dir/alertmanager, a
// single node (no cluster listener) unless the options say otherwise.
class AlertmanagerServer {
 public:
  AlertmanagerServer(const std::string& dir, const std::string& config_path);
  AlertmanagerServer(const std::string& dir, const std::string& config_path,
                     const AlertmanagerOptions& options);
  int port() const { return port_; }
  // SIGKILL, as a crash: the peers find out by gossip. Waits for the exit (bounded).
  void Kill();
  std::string Log() const { return process_->Log(); }

 private:
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// A file's bytes ("" when unreadable).
std::string ReadText(const std::string& path);

// The shipped alertmanager/alertmanager.yml as the alert-path tests run it (alertmanager/README.md,
// "The alert-path test's copy"): its secret files in dir/secrets (the Slack URL `slack_url`, a
// placeholder SMTP password, `webhook_token`), the webhook at `webhook_url`, SMTP at a loopback
// port nothing listens on, group_wait and group_interval 1 s, the templates linked. Writes
// dir/alertmanager.yml and returns its path; a replaced string missing from the shipped file
// fails the calling test (the copy cannot drift silently).
std::string WriteAlertmanagerTestCopy(const std::string& dir, const std::string& slack_url,
                                      const std::string& webhook_url,
                                      const std::string& webhook_token);

// Every rules/*.yml with each `for: Nm` shortened to `for: Ns` (rules/README.md, "Shortening
// every for:"), written into `dir`; a Prometheus config loads them with rule_files: [dir/*.yml].
void WriteShortenedRules(const std::string& dir);

}  // namespace usdcop::testing
