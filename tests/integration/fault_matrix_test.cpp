// The fault matrix of issue 19: one real exporter running every probe against pipeline-sim, a
// real Alertmanager and (for the PostgreSQL row) a real PostgreSQL, each network dependency
// behind a FaultProxy (tests/support/fault_proxy.h), and file faults for the SQLite market file,
// the backup directory and the exporter's own state store. Each cell switches one fault on and
// checks: the exporter is still running, the faulted probe fails with the expected `reason`
// (usdcop_probe_errors_total{probe,reason} grows, usdcop_probe_success 0), the other probes
// keep success 1, GET /metrics answers 200 within 2 s, and once the fault is cleared the probe
// succeeds again by itself. One TEST per dependency, its failure modes in turn; each cell prints
// a "[matrix]" line with the reasons observed (README's Reliability table comes from them).
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include "support/alerting.h"
#include "support/fault_proxy.h"
#include "support/postgres.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using Mode = FaultProxy::Mode;
namespace fs = std::filesystem;

constexpr const char* kPgPassword = "planted-Pg-pw-fm19";
constexpr const char* kVendorKey = "planted-TD-key-fm19";
const std::vector<std::string> kProbes = {"pipeline",  "market_data", "backups",
                                          "websocket", "vendor_api",  "alertmanager"};

std::string Success(const std::string& probe) {
  return "usdcop_probe_success{probe=\"" + probe + "\"}";
}
// The reasons of `probe` whose error counter grew from `before` to `after`, comma-separated.
std::string GrownReasons(const Series& before, const Series& after, const std::string& probe) {
  const std::string prefix = "usdcop_probe_errors_total{probe=\"" + probe + "\",reason=\"";
  std::string out;
  for (const auto& [name, value] : after) {
    if (name.rfind(prefix, 0) != 0) continue;
    auto it = before.find(name);
    if (value > (it == before.end() ? 0 : it->second)) {
      if (!out.empty()) out += ",";
      out += name.substr(prefix.size(), name.size() - prefix.size() - 2);
    }
  }
  return out;
}
double Errors(const Series& s, const std::string& probe, const std::string& reason) {
  auto it = s.find("usdcop_probe_errors_total{probe=\"" + probe + "\",reason=\"" + reason + "\"}");
  return it == s.end() ? 0 : it->second;
}

constexpr const char* kAlertmanagerYml =
    "route: {receiver: default}\nreceivers: [{name: default}]\n";

enum class Market { kSqlite, kPostgres };

class FaultMatrixIT : public ::testing::Test {
 protected:
  // Everything up and every probe succeeding. `wrapper`: see Stack::SetExporterWrapper.
  void Start(Market market = Market::kSqlite, std::vector<std::string> wrapper = {}) {
    const std::string zone = AlwaysOpenZone();
    std::vector<std::string> sim = {"--auto",
                                    "--speed",
                                    "300",
                                    "--market.calendar",
                                    "always",
                                    "--market.timezone",
                                    zone,
                                    "--market.bar-interval",
                                    "5s",
                                    "--market.latency",
                                    "0s",
                                    "--market.backfill-days",
                                    "1",
                                    "--websocket.listen",
                                    "127.0.0.1:0",
                                    "--websocket.port-file",
                                    stack_.File("ws.port"),
                                    "--backups.dir",
                                    stack_.File("backups"),
                                    "--backups.cadence",
                                    "1h",
                                    "--backups.backfill",
                                    "2",
                                    "--backups.files",
                                    "2",
                                    "--backups.file-size",
                                    "4KiB"};
    std::string source = "{sqlite: market.db}";
    stack_.WriteFile("pg_password", std::string(kPgPassword) + "\n");
    if (market == Market::kPostgres) {
      pg_ = std::make_unique<PostgresCluster>();
      pg_->CreateDatabase("usdcop_trading", "monitor", kPgPassword);
      sim.insert(sim.end(), {"--market.postgres",
                             "host=127.0.0.1 port=" + std::to_string(pg_->port()) +
                                 " dbname=usdcop_trading user=monitor",
                             "--market.password-file", stack_.File("pg_password")});
      postgres_ = std::make_unique<FaultProxy>(pg_->port());
      source = "{postgres: \"host=127.0.0.1 port=" + std::to_string(postgres_->port()) +
               " dbname=usdcop_trading user=monitor\", password_file: pg_password}";
    } else {
      sim.insert(sim.end(), {"--market.sqlite", stack_.File("market.db")});
    }
    stack_.StartSim(sim);
    int ws_port = 0;
    std::ifstream(stack_.File("ws.port")) >> ws_port;
    ASSERT_GT(ws_port, 0);
    stack_.Sim("/sim/vendor/keys",
               std::string(R"({"id": "primary", "apikey": ")") + kVendorKey + "\"}");
    stack_.WriteFile("td_key", kVendorKey);
    stack_.WriteFile("alertmanager.yml", kAlertmanagerYml);
    am_ = std::make_unique<AlertmanagerServer>(stack_.Dir(), stack_.File("alertmanager.yml"));

    airflow_ = std::make_unique<FaultProxy>(stack_.sim_port());
    websocket_ = std::make_unique<FaultProxy>(ws_port);
    vendor_ = std::make_unique<FaultProxy>(stack_.sim_port());
    alertmanager_ = std::make_unique<FaultProxy>(am_->port());
    auto at = [](const std::unique_ptr<FaultProxy>& p) {
      return "127.0.0.1:" + std::to_string(p->port());
    };
    const std::string timing = "    interval: 1s\n    timeout: 700ms\n";
    stack_.WriteConfig(AlwaysOpenCalendarYaml(zone, "5s") + "probes:\n  pipeline:\n" + timing +
                       "    airflow: {url: \"http://" + at(airflow_) +
                       "\", username: admin, password_file: airflow_password}\n"
                       "    layers: [{layer: L0, dag_id: usdcop_m5__01_l0_intelligent_acquire}]\n"
                       "  market_data:\n" +
                       timing + "    source: " + source +
                       "\n    windows: [10m]\n    lookback: 1m\n"
                       "  backups:\n" +
                       timing +
                       "    layers: [{layer: L0, path: backups/l0, cadence: 1h}]\n"
                       "  websocket:\n" +
                       timing + "    url: \"ws://" + at(websocket_) +
                       "/ws\"\n    connect_timeout: 300ms\n    handshake_timeout: 300ms\n"
                       "    read_timeout: 400ms\n"
                       "  vendor_api:\n" +
                       timing + "    url: \"http://" + at(vendor_) +
                       "\"\n    keys: [{id: primary, key_file: td_key, created: 2026-01-10}]\n"
                       "  alertmanager:\n" +
                       timing + "    url: \"http://" + at(alertmanager_) + "\"\n");
    stack_.SetExporterWrapper(std::move(wrapper));
    stack_.StartExporter();
    for (const std::string& probe : kProbes)
      ASSERT_TRUE(stack_.WaitForValue(Success(probe), 1, 20s))
          << probe << "\n"
          << stack_.ScrapeText() << stack_.exporter().Log();
  }

  bool ExporterAlive() { return !stack_.exporter().WaitExit(0ms).has_value(); }

  // One cell: `apply` switches the fault on, `probe` must fail with `reason`, `clear` switches
  // it off and the probe must succeed again. `flapping`: the probe must also succeed between
  // failures while the fault stays on.
  void Cell(const std::string& dependency, const std::string& mode, const std::string& probe,
            const std::string& reason, const std::function<void()>& apply,
            const std::function<void()>& clear, bool flapping = false,
            const std::string& finding = "", const std::string& healthy = "",
            const std::vector<std::string>& also_faulted = {}) {
    SCOPED_TRACE(dependency + " / " + mode);
    const Series before = stack_.Scrape();
    ASSERT_EQ(before.at(Success(probe)), 1) << "the cell starts with the probe succeeding";
    apply();
    if (HasFatalFailure()) return;
    Series during;
    // A finding (an integrity failure) is a metric of a run that succeeded, not a probe failure.
    const bool failed = Eventually(
        [&] {
          during = stack_.Scrape();
          if (!finding.empty()) return during[finding] == 1 && during[Success(probe)] == 1;
          return Errors(during, probe, reason) > Errors(before, probe, reason) &&
                 during[Success(probe)] == 0;
        },
        15s);
    const std::string observed = GrownReasons(before, during, probe);
    std::cout << "[matrix] " << dependency << " | " << mode << " | "
              << (observed.empty() ? "none" : observed)
              << (failed && !finding.empty() ? " (finding " + finding + ")" : "") << std::endl;
    EXPECT_TRUE(failed) << "expected reason " << reason << finding
                        << ", the reasons that grew: " << observed << "\n"
                        << LogTail();
    EXPECT_TRUE(ExporterAlive()) << LogTail();
    std::string body;
    EXPECT_EQ(HttpGetStatus(stack_.exporter_port(), "/metrics", &body, 2000ms), 200);
    for (const std::string& other : kProbes) {
      if (other == probe ||
          std::find(also_faulted.begin(), also_faulted.end(), other) != also_faulted.end())
        continue;
      // Polled (bounded) so that one run slowed by a loaded machine does not count.
      EXPECT_TRUE(Eventually([&] { return stack_.Scrape()[Success(other)] == 1; }, 5s))
          << other << " lost its success\n"
          << LogTail();
    }
    if (flapping) {
      EXPECT_TRUE(Eventually([&] { return stack_.Scrape()[Success(probe)] == 1; }, 10s))
          << "no success between the flaps";
      const double errors = Errors(stack_.Scrape(), probe, reason);
      EXPECT_TRUE(Eventually([&] { return Errors(stack_.Scrape(), probe, reason) > errors; }, 10s))
          << "no failure after the success";
    }
    clear();
    if (HasFatalFailure()) return;
    EXPECT_TRUE(stack_.WaitForValue(healthy.empty() ? Success(probe) : healthy, 1, 15s))
        << "no recovery\n"
        << LogTail();
    EXPECT_TRUE(ExporterAlive());
  }

  // Each mode of a proxy, in turn: the reasons a network dependency gives.
  void ProxyCells(const std::string& dependency, FaultProxy& proxy, const std::string& probe,
                  const std::vector<std::pair<Mode, std::string>>& modes) {
    for (const auto& [mode, reason] : modes) {
      Cell(
          dependency, FaultProxy::ModeName(mode), probe, reason,
          [&, mode = mode] { proxy.SetMode(mode, 3000ms, 1500ms); },
          [&] { proxy.SetMode(Mode::kPass); }, mode == Mode::kFlapping);
      if (HasFatalFailure()) return;
    }
  }

  std::string LogTail() {
    std::string log = stack_.exporter().Log();
    return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
  }

  std::unique_ptr<PostgresCluster> pg_;
  Stack stack_;
  std::unique_ptr<AlertmanagerServer> am_;
  std::unique_ptr<FaultProxy> airflow_, postgres_, websocket_, vendor_, alertmanager_;
};

// The HTTP dependencies' reasons, the same for each (libcurl under one HttpClient).
const std::vector<std::pair<Mode, std::string>> kHttpModes = {
    {Mode::kRefused, "connect"},
    {Mode::kHung, "timeout"},
    {Mode::kWrongType, "parse"},
    {Mode::kTruncated, "parse"},
    // Binary: libcurl's "Received HTTP/0.9 when not allowed", which HttpClient tells from a
    // scheme it cannot speak by the connection made.
    {Mode::kBinary, "parse"},
    {Mode::kSlow, "timeout"},
    {Mode::kFlapping, "connect"},
};

TEST_F(FaultMatrixIT, AirflowApi) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ProxyCells("Airflow API", *airflow_, "pipeline", kHttpModes);
}

TEST_F(FaultMatrixIT, VendorApi) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ProxyCells("vendor API", *vendor_, "vendor_api", kHttpModes);
}

TEST_F(FaultMatrixIT, Alertmanager) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ProxyCells("Alertmanager", *alertmanager_, "alertmanager", kHttpModes);
}

TEST_F(FaultMatrixIT, WebSocketService) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ProxyCells("WebSocket service", *websocket_, "websocket",
             {
                 {Mode::kRefused, "connect"},
                 {Mode::kHung, "timeout"},
                 {Mode::kWrongType, "handshake"},
                 {Mode::kTruncated, "handshake"},
                 {Mode::kBinary, "handshake"},
                 {Mode::kSlow, "timeout"},
                 {Mode::kFlapping, "connect"},
             });
}

// Also stalled: the connection the probe keeps goes silent (the server's host gone), where the
// server's statement_timeout cannot help. Every run, hung and stalled included, ends within its
// 700 ms (libpq's own connect_timeout is at least 2 s): the runs never overlap (interval 1 s).
TEST_F(FaultMatrixIT, PostgreSQL) {
  ASSERT_NO_FATAL_FAILURE(Start(Market::kPostgres));
  const Series before = stack_.Scrape();
  ProxyCells("PostgreSQL", *postgres_, "market_data",
             {
                 {Mode::kRefused, "connect"},
                 {Mode::kHung, "timeout"},
                 {Mode::kStalled, "timeout"},
                 {Mode::kBinary, "connect"},
                 {Mode::kSlow, "timeout"},
                 {Mode::kFlapping, "connect"},
             });
  EXPECT_EQ(Errors(stack_.Scrape(), "market_data", "overlap"),
            Errors(before, "market_data", "overlap"))
      << "a run outlasted its interval\n"
      << LogTail();
  EXPECT_EQ(stack_.exporter().Log().find("did not finish within"), std::string::npos)
      << "a run outlasted its deadline and was given up by the scheduler\n"
      << LogTail();
}

// The SQLite market file: the simulator keeps writing its own open file (a hard link keeps it),
// while the exporter's path names something else.
TEST_F(FaultMatrixIT, SqliteMarketFile) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string db = stack_.File("market.db"), kept = stack_.File("market.db.kept");
  auto set_aside = [&] { ASSERT_EQ(::link(db.c_str(), kept.c_str()), 0); };
  auto put_back = [&] { ASSERT_EQ(::rename(kept.c_str(), db.c_str()), 0); };
  Cell(
      "SQLite market file", "removed", "market_data", "connect",
      [&] {
        set_aside();
        ASSERT_EQ(::unlink(db.c_str()), 0);
      },
      put_back);
  Cell(
      "SQLite market file", "garbage", "market_data", "query",
      [&] {
        set_aside();
        stack_.WriteFile("garbage.db", std::string(8192, '\x5a'));
        ASSERT_EQ(::rename(stack_.File("garbage.db").c_str(), db.c_str()), 0);
      },
      put_back);
  Cell(
      "SQLite market file", "fifo", "market_data", "connect",
      [&] {
        set_aside();
        ASSERT_EQ(::unlink(db.c_str()), 0);
        ASSERT_EQ(::mkfifo(db.c_str(), 0644), 0);
      },
      [&] {
        ASSERT_EQ(::unlink(db.c_str()), 0);
        put_back();
      });
  // Locked: a copy in rollback-journal mode (in WAL mode a writer never blocks a reader) whose
  // writer holds an exclusive lock for as long as the cell lasts, as a long commit would.
  sqlite3* writer = nullptr;
  Cell(
      "SQLite market file", "locked", "market_data", "timeout",
      [&] {
        sqlite3* copy = nullptr;
        ASSERT_EQ(sqlite3_open(db.c_str(), &copy), SQLITE_OK);
        sqlite3_busy_timeout(copy, 5000);
        const std::string vacuum = "VACUUM INTO '" + stack_.File("locked.db") + "'";
        const int rc = sqlite3_exec(copy, vacuum.c_str(), nullptr, nullptr, nullptr);
        sqlite3_close(copy);
        ASSERT_EQ(rc, SQLITE_OK);
        ASSERT_EQ(sqlite3_open(stack_.File("locked.db").c_str(), &writer), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(writer, "PRAGMA journal_mode=DELETE; BEGIN EXCLUSIVE", nullptr,
                               nullptr, nullptr),
                  SQLITE_OK);
        set_aside();
        ASSERT_EQ(::rename(stack_.File("locked.db").c_str(), db.c_str()), 0);
      },
      [&] {
        ASSERT_NE(writer, nullptr);
        EXPECT_EQ(sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(writer);
        put_back();
      });
}

// The backup directory of layer L0. The exporter runs without CAP_DAC_OVERRIDE and
// CAP_DAC_READ_SEARCH, so that file modes bind it as they bind a service user.
const std::vector<std::string> kNoDacOverride = {
    "setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"};

TEST_F(FaultMatrixIT, BackupDirectory) {
  ASSERT_NO_FATAL_FAILURE(Start(Market::kSqlite, kNoDacOverride));
  const std::string l0 = stack_.File("backups/l0"), away = stack_.File("backups/l0.away");
  Cell(
      "backup directory", "removed", "backups", "io",
      [&] { ASSERT_EQ(::rename(l0.c_str(), away.c_str()), 0); },
      [&] { ASSERT_EQ(::rename(away.c_str(), l0.c_str()), 0); });
  Cell(
      "backup directory", "unreadable", "backups", "io",
      [&] { ASSERT_EQ(::chmod(l0.c_str(), 0), 0); },
      [&] { ASSERT_EQ(::chmod(l0.c_str(), 0755), 0); });
  // The newest set's first data file replaced by a FIFO: a check that opened it would block.
  std::string newest;
  for (const auto& e : fs::directory_iterator(l0))
    if (e.is_directory() && e.path().filename().string() > newest)
      newest = e.path().filename().string();
  ASSERT_FALSE(newest.empty());
  const std::string data = l0 + "/" + newest + "/market_data.csv.gz";
  const std::string manifest = l0 + "/" + newest + "/manifest.json";
  const std::string failures = "usdcop_backup_integrity_failures{layer=\"L0\",reason=\"";
  const std::string ok = "usdcop_backup_integrity_ok{layer=\"L0\"}";
  Cell(
      "backup directory", "fifo data file", "backups", "",
      [&] {
        ASSERT_EQ(::rename(data.c_str(), (data + ".kept").c_str()), 0);
        ASSERT_EQ(::mkfifo(data.c_str(), 0644), 0);
      },
      [&] {
        ASSERT_EQ(::unlink(data.c_str()), 0);
        ASSERT_EQ(::rename((data + ".kept").c_str(), data.c_str()), 0);
      },
      false, failures + "missing\"}", ok);
  Cell(
      "backup directory", "garbage manifest", "backups", "",
      [&] {
        ASSERT_EQ(::rename(manifest.c_str(), (manifest + ".kept").c_str()), 0);
        stack_.WriteFile("backups/l0/" + newest + "/manifest.json", "\x01\x02{\"files\": [");
      },
      [&] { ASSERT_EQ(::rename((manifest + ".kept").c_str(), manifest.c_str()), 0); }, false,
      failures + "bad_manifest\"}", ok);
}

// The exporter's own state store: full (RLIMIT_FSIZE 0 set on the running exporter: every write
// to a regular file fails with EFBIG), made read-only, deleted and replaced under it.
TEST_F(FaultMatrixIT, StateStore) {
  ASSERT_NO_FATAL_FAILURE(Start(Market::kSqlite, kNoDacOverride));
  const pid_t pid = stack_.exporter().pid();
  auto fsize = [&](rlim_t limit) {
    struct rlimit r {
      limit, RLIM_INFINITY
    };
    ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, &r, nullptr), 0);
  };
  // The websocket probe saves its counters every run: it is the one that must notice. The
  // pipeline and market-data probes write the store too (runs counted, the watermark) and fail
  // with it; the others do not touch it and must carry on.
  Cell(
      "state store", "disk full", "websocket", "io", [&] { fsize(0); },
      [&] { fsize(RLIM_INFINITY); }, false, "", "", {"pipeline", "market_data"});

  // Made read-only, deleted, and replaced under the running exporter: SQLite would go on writing
  // through the descriptors it holds, so the store looks at its path before each write and
  // refuses it (store/state_store.h). The probes that write fail with io, the others carry on,
  // and writes resume once the files are as they were.
  const std::vector<std::string> files = {"state.db", "state.db-wal", "state.db-shm"};
  const std::vector<std::string> writers = {"pipeline", "market_data"};
  Cell(
      "state store", "read-only", "websocket", "io",
      [&] {
        for (const std::string& f : files) ::chmod(stack_.File(f).c_str(), 0444);
      },
      [&] {
        for (const std::string& f : files) ::chmod(stack_.File(f).c_str(), 0644);
      },
      false, "", "", writers);
  Cell(
      "state store", "read-only directory", "websocket", "io",
      [&] { ASSERT_EQ(::chmod(stack_.Dir().c_str(), 0555), 0); },
      [&] { ASSERT_EQ(::chmod(stack_.Dir().c_str(), 0755), 0); }, false, "", "", writers);
  Cell(
      "state store", "deleted", "websocket", "io",
      [&] {
        for (const std::string& f : files) {
          ASSERT_EQ(::link(stack_.File(f).c_str(), stack_.File(f + ".kept").c_str()), 0) << f;
          ASSERT_EQ(::unlink(stack_.File(f).c_str()), 0);
        }
      },
      [&] {
        for (const std::string& f : files)
          ASSERT_EQ(::rename(stack_.File(f + ".kept").c_str(), stack_.File(f).c_str()), 0) << f;
      },
      false, "", "", writers);
  // Replaced by a copy (a restore from a backup): the exporter keeps refusing until a restart,
  // because the copy is not the file it has open; the log says so.
  const std::string db = stack_.File("state.db");
  std::filesystem::copy_file(db, db + ".copy");
  ASSERT_EQ(::rename(db.c_str(), (db + ".kept").c_str()), 0);
  ASSERT_EQ(::rename((db + ".copy").c_str(), db.c_str()), 0);
  EXPECT_TRUE(Eventually([&] { return stack_.Scrape()[Success("websocket")] == 0; }, 15s));
  EXPECT_TRUE(
      Eventually([&] { return LogTail().find("restart the exporter") != std::string::npos; }, 5s))
      << LogTail();
  EXPECT_TRUE(ExporterAlive()) << LogTail();
  ASSERT_EQ(::rename((db + ".kept").c_str(), db.c_str()), 0);
  EXPECT_TRUE(stack_.WaitForValue(Success("websocket"), 1, 15s)) << LogTail();
}

}  // namespace
}  // namespace usdcop::testing
