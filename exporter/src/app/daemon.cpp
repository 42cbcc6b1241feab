#include "app/daemon.h"

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>

#include "actions/hook_runner.h"
#include "app/config.h"
#include "app/probe_table.h"
#include "common/fd.h"
#include "common/mutex.h"

namespace usdcop {
namespace {

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

std::string JoinErrors(const std::vector<std::string>& errors) {
  std::string out;
  for (const std::string& e : errors) out += (out.empty() ? "" : "; ") + e;
  return out;
}

// Connections need file descriptors: raise the soft limit to the hard one (as Go programs do
// since 1.19), then keep each port's cap inside it, with room for the probes, the store and the
// logs, so that a flood of connections cannot make a reload or a probe fail with EMFILE.
void FitConnectionCapsToFileLimit(HttpServerOptions& http, Logger& log) {
  constexpr rlim_t kReserved = 256;  // probes' sockets, the state store, config files, pipes
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? std::max<rlim_t>(limit.rlim_cur, 1 << 20)
                                                      : limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return;
  const rlim_t budget = limit.rlim_cur > 2 * kReserved ? (limit.rlim_cur - kReserved) / 2
                                                       : kReserved / 2;  // two ports
  if (http.max_connections > budget) {
    log.Warn("--web.max-connections is above what the file limit allows for two ports; lowered",
             {{"max_connections", std::to_string(http.max_connections)},
              {"lowered_to", std::to_string(budget)},
              {"open_files_limit", std::to_string(limit.rlim_cur)}});
    http.max_connections = budget;
  }
  http.max_connections_per_address =
      std::min(http.max_connections_per_address, http.max_connections);
}

}  // namespace

void BlockSignals() {
  sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A write past RLIMIT_FSIZE (a file-size quota, or a full disk simulated by one) fails with
  // EFBIG instead of killing the process: the state store reports it as reason `io`, the log
  // line is lost, and /metrics keeps answering.
  ::signal(SIGXFSZ, SIG_IGN);
}

int Daemon::Run() {
  ConfigLoad load = LoadConfigFile(options_.config_file);
  if (!load.config) {
    for (const std::string& e : load.errors) log_.Error("invalid configuration", {{"err", e}});
    return 1;
  }
  http_options_ = options_.http;
  FitConnectionCapsToFileLimit(http_options_, log_);
  std::string storage = options_.storage_path;
  if (storage.empty())
    storage = load.config->storage_path.empty() ? kDefaultStoragePath : load.config->storage_path;
  auto store = StateStore::Open(storage);
  if (!store.ok()) {
    log_.Error("cannot open the state store",
               {{"path", storage}, {"err", store.status().message()}});
    return 1;
  }
  store_ = std::move(store).value();
  auto calendar = TradingCalendar::Create(load.config->calendar);
  if (!calendar.ok()) {
    log_.Error("invalid calendar", {{"err", calendar.status().message()}});
    return 1;
  }
  auto web = LoadWebConfig("invalid web configuration");
  if (!web.ok()) return 1;
  renderer_ = std::make_unique<MetricsRenderer>(board_, options_.build, clock_);
  renderer_->SetCalendar(*calendar);
  // Sampled at most once a second: a scrape storm costs one /proc read a second.
  renderer_->SetProcessSource([] { return ReadProcessStats(); }, std::chrono::seconds(1));
  // Read by /metrics, which the public port serves only once server_ is set.
  renderer_->SetHttpSource([this] {
    std::vector<HttpServerStats> ports;
    if (server_) ports.push_back(server_->Stats());
    if (control_server_) ports.push_back(control_server_->Stats());
    return ports;
  });
  trends_.SetStep(load.config->control ? load.config->control->trend_step : kTrendStep);
  board_.SetListener([this](const std::shared_ptr<const ProbeRecord>& r) { trends_.Observe(r); });
  scheduler_ = std::make_unique<Scheduler>(board_, clock_, log_, ProbeKindCount());
  auto probes = BuildProbes(*load.config, ProbeDeps{http_, *store_, *calendar, clock_, log_});
  log_.Info("starting usdcop_exporter", {{"version", options_.build.version},
                                         {"revision", options_.build.revision},
                                         {"config", options_.config_file},
                                         {"storage", storage},
                                         {"probes", std::to_string(probes.size())}});
  scheduler_->SetProbes(std::move(probes));
  // A hook's process that leaves its group (setsid) is stopped once its hook ends, not left
  // running: the exporter adopts it (actions/hook_runner.h).
  if (!AdoptOrphanedHookProcesses())
    log_.Warn(
        "cannot become the reaper of hook processes: a hook's process that calls setsid "
        "outlives its hook",
        {{"err", ErrnoText(errno)}});
  // Before the public port, whose POST /-/reload reloads the control section too.
  if (!StartControl(*load.config, *web)) {
    Shutdown();
    return 1;
  }

  HttpServerOptions http = http_options_;
  http.port_name = "metrics";
  server_ = std::make_unique<MetricsServer>(MetricsServerHandlers{
                                                .metrics = [this] { return renderer_->Render(); },
                                                .ready = [this] { return board_.AllRan(); },
                                                .reload = [this] { return Reload(); },
                                                .landing_page = [this] { return LandingPage(); },
                                            },
                                            log_, http, *web, options_.enable_lifecycle);
  auto port = server_->Start(options_.web);
  if (!port.ok()) {
    log_.Error("cannot serve metrics", {{"err", port.status().message()}});
    Shutdown();
    return 1;
  }
  const WebConfig* w = web->get();
  log_.Info("listening",
            {{"address", options_.web.host + ":" + std::to_string(*port)},
             {"tls", w && w->tls ? "true" : "false"},
             {"basic_auth_users", std::to_string(w ? w->basic_auth.hashes.size() : 0)}});
  return WaitForSignals();
}

int Daemon::WaitForSignals() {
  sigset_t set = HandledSignals();
  for (;;) {
    // Every 2 s without a signal, freed heap pages go back to the system: a burst of connections
    // (or an attack) leaves glibc's arenas holding memory the exporter no longer uses. It walks
    // the free lists of two arenas: about a tenth of a millisecond. The control API's counts of
    // refusals are written then too, and its old audit rows deleted (every 10 minutes).
    const timespec period{2, 0};
    const int sig = sigtimedwait(&set, nullptr, &period);
    if (sig < 0) {
      if (errno == EAGAIN) {
        malloc_trim(0);
        if (control_api_) control_api_->Housekeep();
      }
      continue;
    }
    if (sig == SIGHUP) {
      (void)Reload();
      continue;
    }
    log_.Info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    Shutdown();
    return 0;
  }
}

void Daemon::Shutdown() {
  if (control_api_) control_api_->Cancel();
  if (control_server_) control_server_->Stop();
  if (control_api_) control_api_->Housekeep(true);  // the last counts of refusals
  if (server_) server_->Stop();
  if (scheduler_ && !scheduler_->Stop(Duration(1500))) {
    log_.Warn("a probe ignored its deadline at shutdown; exiting without waiting for it");
    std::_Exit(0);  // its thread still uses the scheduler; the store's transactions are committed
  }
  log_.Info("stopped");
}

Status Daemon::Reload() {
  MutexLock lock(reload_mu_);
  ConfigLoad load = LoadConfigFile(options_.config_file);
  if (!load.config) {
    for (const std::string& e : load.errors)
      log_.Error("invalid configuration; keeping the old one", {{"err", e}});
    renderer_->SetReloadSuccessful(false);
    return Status(Reason::kParse, JoinErrors(load.errors));
  }
  if (options_.storage_path.empty() && !load.config->storage_path.empty() &&
      load.config->storage_path != store_->path())
    log_.Warn("storage.path changed; it takes effect at the next start",
              {{"path", load.config->storage_path}});
  auto calendar = TradingCalendar::Create(load.config->calendar);
  if (!calendar.ok()) {
    log_.Error("invalid calendar; keeping the old configuration",
               {{"err", calendar.status().message()}});
    renderer_->SetReloadSuccessful(false);
    return calendar.status();
  }
  // The last step that can fail: after it, the new config is applied whole.
  if (Status web = ReloadWebConfig(); !web.ok()) {
    renderer_->SetReloadSuccessful(false);
    return web;
  }
  auto probes = BuildProbes(*load.config, ProbeDeps{http_, *store_, *calendar, clock_, log_});
  size_t count = probes.size();
  renderer_->SetCalendar(*calendar);
  scheduler_->SetProbes(std::move(probes));
  ReloadControl(*load.config);
  trends_.SetStep(load.config->control ? load.config->control->trend_step : kTrendStep);
  renderer_->SetReloadSuccessful(true);
  log_.Info("configuration reloaded",
            {{"config", options_.config_file}, {"probes", std::to_string(count)}});
  return Status::Ok();
}

Result<std::shared_ptr<const WebConfig>> Daemon::LoadWebConfig(const char* what_on_error) {
  if (options_.web_config_file.empty()) return std::shared_ptr<const WebConfig>();
  WebConfigLoad load = LoadWebConfigFile(options_.web_config_file);
  for (const std::string& e : load.errors) log_.Error(what_on_error, {{"err", e}});
  if (!load.config) return Status(Reason::kParse, JoinErrors(load.errors));
  return std::move(load.config);
}

Status Daemon::ReloadWebConfig() {
  auto web = LoadWebConfig("invalid web configuration; keeping the old configuration");
  if (!web.ok()) return web.status();
  Status applied = server_->UpdateWebConfig(*web);
  if (applied.ok() && control_server_) applied = control_server_->UpdateWebConfig(*web);
  if (!applied.ok())
    log_.Error("cannot apply the web configuration; keeping the old configuration",
               {{"err", applied.message()}});
  return applied;
}

bool Daemon::StartControl(const Config& config, const std::shared_ptr<const WebConfig>& web) {
  alerts_ = std::make_unique<AlertLifecycle>(*store_, log_, clock_);
  if (config.control) alerts_->SetSeverities(config.control->alert_severities);
  if (Status s = alerts_->Load(); !s.ok())
    log_.Error("cannot read the alert lifecycle from the state store; starting without it",
               {{"err", s.message()}});
  control_api_ = std::make_unique<ControlApi>(*store_, log_, clock_);
  control_deps_ = std::make_unique<ControlDeps>(
      ControlDeps{board_, trends_, *scheduler_, http_, *alerts_, clock_, store_->path()});
  renderer_->SetControlSource(
      [this] {
        ControlStats stats = alerts_->Figures();
        stats.requests = control_api_->Requests();
        return stats;
      },
      [this] { return control_api_->generation() + alerts_->generation(); });
  auto setup = BuildControlSetup(config, *control_deps_);
  if (!setup) {
    log_.Info("no control section in the config: the control API is not served");
    return true;
  }
  control_api_->Install(setup);
  HttpServerOptions http = http_options_;
  http.port_name = "control";
  http.io_threads = 1;
  control_server_ = std::make_unique<ControlServer>(
      [this](const ControlRequest& r, ControlApi::Done done) {
        control_api_->HandleAsync(r, std::move(done));
      },
      log_, http, web);
  auto port = control_server_->Start(options_.control);
  if (!port.ok()) {
    log_.Error("cannot serve the control API", {{"err", port.status().message()}});
    return false;
  }
  const std::string& host = options_.control.host;
  status_page_url_ = std::string(web && web->tls ? "https://" : "http://") +
                     (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                     std::to_string(*port) + "/";
  log_.Info("control API listening",
            {{"address", options_.control.host + ":" + std::to_string(*port)},
             {"tls", web && web->tls ? "true" : "false"},
             {"tokens", std::to_string(config.control->tokens.size())}});
  return true;
}

void Daemon::ReloadControl(const Config& config) {
  if (config.control) alerts_->SetSeverities(config.control->alert_severities);
  auto setup = BuildControlSetup(config, *control_deps_);
  if (setup && !control_server_)
    log_.Warn("the config gained a control section: the control API starts at the next restart");
  control_api_->Install(setup);  // null: every request answered 503 until the section is back
}

std::string Daemon::LandingPage() const {
  std::string rows;
  for (const auto& r : board_.Snapshot()) {
    std::string state = !r->has_run  ? "not run yet"
                        : r->success ? "ok"
                                     : HtmlEscape(r->status.ToString());
    rows += "<tr><td>" + HtmlEscape(r->name) + "</td><td>" + state + "</td></tr>\n";
  }
  return "<!DOCTYPE html>\n<html><head><title>usdcop_exporter</title></head><body>\n"
         "<h1>usdcop_exporter</h1>\n<p>Monitoring of the USD/COP data pipeline, version " +
         HtmlEscape(options_.build.version) + " (" + HtmlEscape(options_.build.revision) +
         ").</p>\n<ul><li><a href=\"/metrics\">/metrics</a></li><li><a "
         "href=\"/-/healthy\">/-/healthy</a></li>"
         "<li><a href=\"/-/ready\">/-/ready</a></li></ul>\n" +
         (status_page_url_.empty() ? std::string()
                                   : "<p><a href=\"" + HtmlEscape(status_page_url_) +
                                         "\">Status page</a> (on the control port)</p>\n") +
         "<table border=\"1\"><tr><th>probe</th><th>last run</th></tr>\n" + rows +
         "</table>\n</body></html>\n";
}

}  // namespace usdcop
