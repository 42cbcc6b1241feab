// pipeline-sim: a simulated USD/COP data pipeline (Airflow API, layer status files, L0 market
// data and its ready flag, the WebSocket service with its status endpoints, backup sets with
// manifests, Twelve Data's usage API)
// for the exporter's integration tests and demo. README.md beside this file lists its endpoints.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "airflow/api.h"
#include "airflow/auto_runner.h"
#include "airflow/control.h"
#include "airflow/dags.h"
#include "backups/control.h"
#include "backups/flags.h"
#include "market/control.h"
#include "market/flags.h"
#include "shared/http_server.h"
#include "shared/listen_address.h"
#include "shared/log.h"
#include "shared/password_file.h"
#include "shared/status.h"
#include "sim_control.h"
#include "status_files/status_files.h"
#include "vendor/api.h"
#include "websocket/control.h"
#include "websocket/flags.h"
#include "websocket/status.h"

namespace usdcop::sim {
namespace {

namespace fs = std::filesystem;

// Hung requests may take all but this many server threads.
constexpr int kThreadsKeptFree = 8;
// SIGTERM to exit: what is left of the 1 s budget once hung requests were released.
constexpr auto kStopBudget = std::chrono::milliseconds(700);

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string state_dir = "pipeline-sim-state";
  std::string username = "admin";
  std::string password_file;
  int token_ttl_seconds = 3600;
  bool auto_runs = false;
  double speed = 60;
  std::string port_file;
  int threads = 32;
  bool quiet = false;
  MarketOptions market;
  BackupOptions backups;
  WsOptions websocket;
};

void AddFlags(CLI::App& app, Options& o) {
  app.add_option("--listen", o.listen, "host:port to serve on (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--state-dir", o.state_dir, "directory for status/<layer>.json")
      ->capture_default_str();
  app.add_option("--airflow.username", o.username, "Airflow API user")->capture_default_str();
  app.add_option("--airflow.password-file", o.password_file,
                 "file holding the Airflow API password (default: admin)");
  app.add_option("--airflow.token-ttl", o.token_ttl_seconds, "API v2 token lifetime, seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400 * 365));
  app.add_flag("--auto", o.auto_runs, "run every DAG on its schedule");
  app.add_option("--speed", o.speed, "time compression for --auto")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1e6));
  app.add_option("--port-file", o.port_file, "write the bound port to this file");
  app.add_option("--threads", o.threads, "HTTP server threads")
      ->capture_default_str()
      ->check(CLI::Range(12, 1024));
  app.add_flag("--quiet", o.quiet, "do not log each request");
  AddMarketFlags(app, o.market);
  AddBackupFlags(app, o.backups);
  AddWsFlags(app, o.websocket);
}

// admin/admin unless flags say otherwise; an error naming --airflow.password-file when that
// file is unreadable or empty.
Result<Credentials> LoadCredentials(const Options& o) {
  Credentials c{o.username, "admin"};
  if (o.password_file.empty()) return c;
  auto password = ReadPasswordFile("--airflow.password-file", o.password_file);
  if (!password.ok()) return password.error();
  c.password = std::move(password).value();
  return c;
}

// Binds the address; the port actually bound, or an error naming --listen.
Result<int> Bind(httplib::Server& server, const Options& o, const ListenAddress& address) {
  int port = address.port;
  if (address.port == 0) {
    port = server.bind_to_any_port(address.host);
  } else if (!server.bind_to_port(address.host, address.port)) {
    port = -1;
  }
  if (port < 0) return IoError("--listen", "cannot listen on " + o.listen);
  return port;
}

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// The time left until `deadline`, at least 0.
std::chrono::milliseconds Left(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

// Every simulated part; Register() wires them to one server.
struct Simulator {
  Simulator(const Options& o, const Credentials& credentials,
            std::unique_ptr<MarketWriter> market_writer,
            std::unique_ptr<BackupWriter> backup_writer, std::unique_ptr<WsServer> ws_server)
      : faults(o.threads - kThreadsKeptFree),
        tokens(std::chrono::seconds(o.token_ttl_seconds)),
        api(model, faults, tokens, actions, credentials),
        control(model, faults, actions),
        status_files(fs::absolute(o.state_dir)),
        market(std::move(market_writer)),
        market_control(market.get()),
        backups(std::move(backup_writer)),
        backup_control(backups.get()),
        ws(std::move(ws_server)),
        ws_control(ws.get()) {}

  void Register(httplib::Server& server) {
    sim.AddPart(
        "airflow",
        [this] {
          model.Reset();
          control.ClearFaults();
          actions.Clear();
        },
        [this] { return DescribeAirflow(model, faults, tokens); });
    sim.AddPart(
        "status_files", [this] { status_files.RemoveAll(); },
        [this] { return status_files.Describe(); });
    sim.AddPart(
        "market", [this] { ClearMarketFaults(); },
        [this] {
          return market ? market->Describe() : nlohmann::json{{"enabled", false}};
        });
    sim.AddPart(
        "backups", [this] { ClearBackupFaults(); },
        [this] {
          return backups ? backups->Describe() : nlohmann::json{{"enabled", false}};
        });
    sim.AddPart(
        "vendor", [this] { vendor.Reset(); }, [this] { return vendor.Describe(); });
    sim.AddPart(
        "websocket", [this] { ClearWsFault(); },
        [this] {
          return ws ? ws->Describe() : nlohmann::json{{"enabled", false}};
        });
    api.Register(server);
    control.Register(server);
    status_files.Register(server);
    market_control.Register(server);
    backup_control.Register(server);
    RegisterWsStatus(server, market.get(), ws.get());
    ws_control.Register(server);
    vendor.Register(server);
    sim.Register(server);
  }

  void ClearMarketFaults() {
    if (market) market->SetFault(MarketFaultRequest{.fault = MarketFault::kNone});
  }

  void ClearBackupFaults() {
    if (backups) backups->ClearFaults();
  }

  void ClearWsFault() {
    if (ws) ws->SetFault(WsFaultSetting{});
  }

  AirflowModel model{DefaultDagIds()};
  FaultInjector faults;
  TokenStore tokens;
  AirflowActions actions;
  AirflowApi api;
  AirflowControl control;
  StatusFiles status_files;
  std::unique_ptr<MarketWriter> market;  // null when market data is off
  MarketControl market_control;
  std::unique_ptr<BackupWriter> backups;  // null when backups are off
  BackupControl backup_control;
  std::unique_ptr<WsServer> ws;  // null when off; goes before the market writer it follows
  WsControl ws_control;
  VendorApi vendor;
  SimControl sim;
};

// Logs why, then exits at once: a part did not stop within the stop budget.
[[noreturn]] void ExitNow(const std::string& why) {
  Log(why + ": exiting");
  std::fflush(stdout);
  std::_Exit(0);
}

// Serves until SIGINT or SIGTERM; answers the exit code.
int Serve(httplib::Server& server, Simulator& sim, AutoRunner* runner) {
  std::promise<void> stopped;
  std::future<void> stopped_future = stopped.get_future();
  std::thread serving([&server, &stopped] {
    server.listen_after_bind();
    stopped.set_value();
  });
  sigset_t set = StopSignals();
  int signal_number = 0;
  sigwait(&set, &signal_number);
  auto deadline = std::chrono::steady_clock::now() + kStopBudget;
  Log(std::string("stopping on ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM"));
  sim.faults.Shutdown();
  if (sim.ws && !sim.ws->Stop(Left(deadline))) {
    ExitNow("WebSocket connections are still open at the stop deadline");
  }
  if (runner != nullptr) runner->Stop();
  if (sim.market && !sim.market->Stop(Left(deadline))) {
    ExitNow("the market-data writer is stuck in a database call at the stop deadline");
  }
  if (sim.backups && !sim.backups->Stop(Left(deadline))) {
    ExitNow("the backup writer is stuck in a file write at the stop deadline");
  }
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // stop() needs a running server
  }
  server.stop();
  if (stopped_future.wait_until(deadline) != std::future_status::ready) {
    ExitNow("connections still open at the stop deadline, not waiting for them");
  }
  serving.join();
  Log("stopped");
  return 0;
}

// Exit codes: 2 for what the flags say (checked before anything starts), 1 for what fails once
// the simulator runs (a directory, a port, a port file).
constexpr int kExitBadFlags = 2;
constexpr int kExitStartFailed = 1;

// Logs the error's message; answers `exit_code`.
int Fail(const Status& status, int exit_code) {
  Log(status.message());
  return exit_code;
}

// Prints the WebSocket server's URL (before the line tests wait for), and writes its port file.
Status AnnounceWs(const Options& o, const WsServer& ws, int port) {
  std::cout << "pipeline-sim websocket on " << ws.url() << std::endl;
  if (o.websocket.port_file.empty()) return Status::Ok();
  return WritePortFile("--websocket.port-file", o.websocket.port_file, port);
}

// Prints the one line tests wait for, and writes the port file.
Status Announce(const Options& o, const ListenAddress& address, int port) {
  std::cout << "pipeline-sim listening on http://" << UrlHost(address.host) << ":" << port
            << std::endl;
  if (o.port_file.empty()) return Status::Ok();
  return WritePortFile("--port-file", o.port_file, port);
}

// What the flags describe, checked before anything starts.
struct Parts {
  ListenAddress address;
  Credentials credentials;
  std::unique_ptr<MarketWriter> market;
  std::unique_ptr<BackupWriter> backups;
  std::unique_ptr<WsServer> ws;
};

Result<Parts> BuildParts(const Options& o) {
  Parts parts;
  auto address = ParseListenAddress(o.listen);
  if (!address) {
    return BadInput("--listen", "--listen: expected host:port, got \"" + o.listen + "\"");
  }
  parts.address = *address;
  auto credentials = LoadCredentials(o);
  if (!credentials.ok()) return credentials.error();
  parts.credentials = *credentials;
  auto market = BuildMarketWriter(o.market);
  if (!market.ok()) return market.error();
  parts.market = std::move(market).value();
  auto backups = BuildBackupWriter(o.backups);
  if (!backups.ok()) return backups.error();
  parts.backups = std::move(backups).value();
  auto ws = BuildWsServer(o.websocket, parts.market.get());
  if (!ws.ok()) return ws.error();
  parts.ws = std::move(ws).value();
  return parts;
}

int Run(const Options& o) {
  auto parts = BuildParts(o);
  if (!parts.ok()) return Fail(parts.status(), kExitBadFlags);
  sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts
  signal(SIGPIPE, SIG_IGN);

  Simulator simulator(o, parts->credentials, std::move(parts->market), std::move(parts->backups),
                      std::move(parts->ws));
  if (Status s = simulator.status_files.Init(); !s.ok()) return Fail(s, kExitStartFailed);
  // The startup backfills, before we announce.
  if (simulator.market) simulator.market->Init();
  if (simulator.backups) simulator.backups->Init();
  httplib::Server server;
  ConfigureServer(server, o.threads, !o.quiet);
  simulator.Register(server);
  Result<int> ws_port = simulator.ws ? simulator.ws->Bind() : Result<int>(0);
  if (!ws_port.ok()) return Fail(ws_port.status(), kExitStartFailed);
  auto port = Bind(server, o, parts->address);
  if (!port.ok()) return Fail(port.status(), kExitStartFailed);
  if (simulator.ws) {
    Status announced = AnnounceWs(o, *simulator.ws, *ws_port);
    if (!announced.ok()) return Fail(announced, kExitStartFailed);
  }
  if (Status s = Announce(o, parts->address, *port); !s.ok()) return Fail(s, kExitStartFailed);
  std::unique_ptr<AutoRunner> runner;
  if (o.auto_runs) {
    runner = std::make_unique<AutoRunner>(simulator.model, o.speed);
    runner->Start();
  }
  if (simulator.market) simulator.market->Start();
  if (simulator.backups) simulator.backups->Start();
  if (simulator.ws) simulator.ws->Start();
  return Serve(server, simulator, runner.get());
}

}  // namespace
}  // namespace usdcop::sim

int main(int argc, char** argv) {
  usdcop::sim::Options options;
  CLI::App app{"pipeline-sim: a simulated USD/COP data pipeline for tests and demos"};
  usdcop::sim::AddFlags(app, options);
  CLI11_PARSE(app, argc, argv);
  return usdcop::sim::Run(options);
}
