// usdcop_exporter: probes the USD/COP data pipeline on a schedule and publishes Prometheus
// metrics. Flags follow the Prometheus exporters' conventions.
#include <malloc.h>
#include <sys/prctl.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "app/config.h"
#include "app/daemon.h"
#include "app/probe_table.h"
#include "app/verify_backup.h"
#include "common/listen_address.h"
#include "common/log.h"
#include "common/units.h"
#include "sources/http_client.h"

#ifndef USDCOP_VERSION
#define USDCOP_VERSION "unknown"
#endif
#ifndef USDCOP_REVISION
#define USDCOP_REVISION "unknown"
#endif

namespace {

int CheckConfig(const std::string& path) {
  usdcop::ConfigLoad load = usdcop::LoadConfigFile(path);
  for (const std::string& e : load.errors) std::cerr << e << "\n";
  if (!load.config) {
    std::cerr << path << ": " << load.errors.size() << " problem(s)\n";
    return 1;
  }
  std::cout << path << ": OK\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // No core dump, and no ptrace or /proc/PID/{mem,environ,...} access without CAP_SYS_PTRACE:
  // the process holds secrets (the config's, libcurl's copies in its headers, the TLS key), and
  // this covers every copy of them, where MADV_DONTDUMP would cover only buffers of our own. The
  // kernel also makes /proc/PID/* owned by root. Reset by execve, so hooks' children are as usual.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    std::cerr << "warning: cannot turn core dumps off (prctl PR_SET_DUMPABLE): "
              << std::strerror(errno) << "\n";
  CLI::App app{"usdcop_exporter: Prometheus exporter for the USD/COP trading data pipeline."};
  std::string config_file = "usdcop_exporter.yml";
  std::string web_listen = ":9812";
  std::string control_listen = "127.0.0.1:9813";
  std::string storage_path;
  std::string web_config_file;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  size_t max_connections = 1024;
  size_t max_connections_per_address = 128;
  std::string read_header_timeout = "10s";
  std::string idle_timeout = "60s";
  std::string write_timeout = "30s";
  bool enable_lifecycle = false;
  bool config_check = false;
  app.add_option("--config.file", config_file, "Configuration file (YAML).")->capture_default_str();
  app.add_option("--web.listen-address", web_listen, "Address for /metrics and the /-/ endpoints.")
      ->capture_default_str();
  app.add_option(
      "--web.config.file", web_config_file,
      "Web configuration in the Prometheus exporter-toolkit's format: TLS (the port serves HTTPS "
      "only), basic auth (bcrypt), response headers. Reloaded with the config.");
  app.add_option(
         "--web.max-connections", max_connections,
         "Open connections per port (metrics, control). When full, the connection that has waited "
         "longest for a request is closed to admit a new one. Lowered to fit the open-files limit.")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--web.max-connections-per-address", max_connections_per_address,
                 "Open connections per port from one client address.")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--web.read-header-timeout", read_header_timeout,
                 "A request's head (and a TLS handshake) must arrive whole within this, and its "
                 "body within as much again.")
      ->capture_default_str();
  app.add_option("--web.idle-timeout", idle_timeout,
                 "A keep-alive connection waiting for its next request is closed after this.")
      ->capture_default_str();
  app.add_option("--web.write-timeout", write_timeout,
                 "An answer the client does not read within this is cut.")
      ->capture_default_str();
  app.add_flag("--web.enable-lifecycle", enable_lifecycle,
               "Serve POST/PUT /-/reload on the public port (off: 403; SIGHUP always reloads).");
  app.add_option(
         "--control.listen-address", control_listen,
         "Address of the authenticated control API (the side port), served when the config has a "
         "control section; HTTPS with --web.config.file's TLS settings.")
      ->capture_default_str();
  app.add_option("--storage.path", storage_path,
                 std::string("SQLite state file (WAL); default: the config's storage.path, else ") +
                     usdcop::kDefaultStoragePath + ".");
  app.add_option("--log.level", log_level, "debug, info, warn or error.")->capture_default_str();
  app.add_option("--log.format", log_format, "logfmt or json.")->capture_default_str();
  app.add_flag("--config.check", config_check,
               "Validate the config file, print every problem, exit 0 or 1.");
  std::string backup_path;
  CLI::App* verify_backup = app.add_subcommand("verify-backup",
                                               "Check a backup set (or a layer's newest set) "
                                               "against its manifest; exit 0 if intact, 1 if not.");
  verify_backup
      ->add_option("PATH", backup_path, "A backup set directory, or a layer's directory of sets.")
      ->required();
  app.set_version_flag("--version", std::string("usdcop_exporter ") + USDCOP_VERSION +
                                        " (revision " + USDCOP_REVISION + ")");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version, or what is wrong
    return code == 0 ? 0 : 2;      // every bad command line exits 2
  }
  if (*verify_backup) return usdcop::VerifyBackupCommand(backup_path, std::cout);

  auto level = usdcop::ParseLogLevel(log_level);
  auto format = usdcop::ParseLogFormat(log_format);
  if (!level || !format) {
    std::cerr << "--log.level must be debug, info, warn or error; --log.format logfmt or json\n";
    return 2;
  }
  auto web = usdcop::ParseListenAddress(web_listen);
  auto control = usdcop::ParseListenAddress(control_listen);
  if (!web || !control) {
    std::cerr << "a listen address is host:port, :port or [v6]:port (got \""
              << (web ? control_listen : web_listen) << "\")\n";
    return 2;
  }
  usdcop::HttpServerOptions http;
  http.max_connections = max_connections;
  http.max_connections_per_address = max_connections_per_address;
  for (auto [flag, text, out] :
       {std::tuple{"--web.read-header-timeout", &read_header_timeout, &http.head_timeout},
        std::tuple{"--web.idle-timeout", &idle_timeout, &http.idle_timeout},
        std::tuple{"--web.write-timeout", &write_timeout, &http.write_timeout}}) {
    auto d = usdcop::ParseDuration(*text);
    if (!d || *d <= usdcop::Duration::zero()) {
      std::cerr << flag << " must be a positive duration such as 500ms, 10s or 1m (got \"" << *text
                << "\")\n";
      return 2;
    }
    *out = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  if (config_check) return CheckConfig(config_file);

  // Few, small allocations across many connection threads: glibc's default of 8 arenas per
  // core would keep each thread's freed buffers in its own arena and grow RSS for nothing.
  mallopt(M_ARENA_MAX, 2);
  // The exposition's strings (hundreds of KB, a new one every second) come from mmap and go back
  // whole when freed, instead of landing among the connections' small blocks, where they would
  // pin the heap's pages (glibc raises its threshold above them after the first free otherwise).
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  usdcop::BlockSignals();  // before any thread starts
  usdcop::CurlHttpClient::GlobalInit();
  usdcop::Logger log(*level, *format);
  usdcop::DaemonOptions options{
      config_file,     *web, *control,         storage_path,
      web_config_file, http, enable_lifecycle, {USDCOP_VERSION, USDCOP_REVISION}};
  usdcop::Daemon daemon(std::move(options), log);
  return daemon.Run();
}
