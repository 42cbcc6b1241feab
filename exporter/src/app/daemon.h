// The usdcop_exporter daemon: loads the config (and the web config, when given), opens the
// state store, runs the probes on the scheduler, serves the public port, and handles SIGHUP
// (reload of both files, all or nothing) and SIGTERM/SIGINT (stop within 2 s). Call BlockSignals()
// on the main thread before any other thread starts.
#pragma once

#include <memory>
#include <string>

#include "app/endpoint_table.h"
#include "common/clock.h"
#include "common/listen_address.h"
#include "common/log.h"
#include "common/mutex.h"
#include "control/alert_lifecycle.h"
#include "control/control_api.h"
#include "control/control_server.h"
#include "control/trend_buffer.h"
#include "http/metrics_server.h"
#include "http/web_config.h"
#include "metrics/render.h"
#include "scheduler/result_board.h"
#include "scheduler/scheduler.h"
#include "sources/http_client.h"
#include "store/state_store.h"

namespace usdcop {

struct DaemonOptions {
  std::string config_file;
  ListenAddress web;
  ListenAddress control;        // the side port, served when the config has a control section
  std::string storage_path;     // from the flag; "" = the config's storage.path or the default
  std::string web_config_file;  // --web.config.file; "" = plain HTTP, no authentication
  // Caps and deadlines of both ports (--web.max-connections, --web.read-header-timeout, ...);
  // port_name and the worker settings are each server's own.
  HttpServerOptions http;
  bool enable_lifecycle = false;  // --web.enable-lifecycle: POST /-/reload on the public port
  BuildInfo build;
};

inline constexpr const char* kDefaultStoragePath = "data/usdcop_exporter.db";

// Blocks SIGHUP, SIGTERM and SIGINT in the calling thread and every thread it starts, so that
// the daemon receives them with sigwait; ignores SIGXFSZ, so that a write past RLIMIT_FSIZE
// fails (EFBIG) instead of ending the process.
void BlockSignals();

class Daemon {
 public:
  Daemon(DaemonOptions options, Logger& log) : options_(std::move(options)), log_(log) {}
  // Runs until SIGTERM or SIGINT; the process exit code.
  int Run();

 private:
  Status Reload();
  // The web config file's contents, or null without --web.config.file; errors are logged.
  Result<std::shared_ptr<const WebConfig>> LoadWebConfig(const char* what_on_error);
  // Reads the web config again and hands it to the server; logs why not.
  Status ReloadWebConfig();
  std::string LandingPage() const;
  // Starts the side port when the config has a control section; false when it cannot listen.
  bool StartControl(const Config& config, const std::shared_ptr<const WebConfig>& web);
  // Installs the control section of a reloaded config (the port itself needs a restart).
  void ReloadControl(const Config& config);
  int WaitForSignals();
  void Shutdown();

  const DaemonOptions options_;
  HttpServerOptions http_options_;  // options_.http with the caps fitted to the file limit
  Logger& log_;
  SystemClock clock_;
  CurlHttpClient http_;
  ResultBoard board_;
  TrendBuffer trends_{log_};  // fed by board_'s listener
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<MetricsRenderer> renderer_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<MetricsServer> server_;
  std::unique_ptr<AlertLifecycle> alerts_;
  std::unique_ptr<ControlApi> control_api_;
  std::unique_ptr<ControlDeps> control_deps_;
  std::unique_ptr<ControlServer>
      control_server_;  // null when the config had no control section at start
  // The status page on the control port, for the landing page's link; set before the metrics port
  // starts, then unchanged. "" without a control port.
  std::string status_page_url_;
  Mutex reload_mu_;  // one reload at a time (SIGHUP and /-/reload)
};

}  // namespace usdcop
