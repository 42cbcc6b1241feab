// The system under test for integration tests: pipeline-sim and the real usdcop_exporter
// binary, each on a free loopback port, in a temporary directory removed afterwards.
// Not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/contract.h"
#include "support/exposition.h"
#include "support/process.h"

namespace usdcop::testing {

// The six DAGs of the pipeline, by layer L0..L5.
extern const std::vector<std::string> kDagIds;
// The Airflow password the tests give the simulator and the exporter; it must never leak.
inline constexpr const char* kPlantedPassword = "planted-Airflow-pw-7f3c9e";

// Tests on pipeline-sim's `always` calendar (bars every day from 00:00 to 23:59 local time, so a
// pause at local midnight) run it in this zone, passed to the sim as --market.timezone: UTC, or an
// Etc/GMT zone, whichever makes the local time now between 05:00 and 19:00, so that no bar stops
// coming for hours whenever the test starts.
std::string AlwaysOpenZone();
// The exporter's calendar section for that calendar: every day 00:00..23:59 in `zone`, bars of
// `bar_interval` (e.g. "2s"), no holidays.
std::string AlwaysOpenCalendarYaml(const std::string& zone, const std::string& bar_interval);

// The wall clock as Unix seconds, the unit of the exporter's *_timestamp_seconds.
double UnixNow();

class Stack {
 public:
  Stack();
  ~Stack();

  std::string Dir() const { return dir_; }
  std::string File(const std::string& name) const { return dir_ + "/" + name; }
  void WriteFile(const std::string& name, const std::string& text) const;

  // Starts pipeline-sim (stopping a running one first), logging to sim-N.log for the Nth start.
  void StartSim(const std::vector<std::string>& extra_args = {});
  int sim_port() const { return sim_port_; }
  // POST to the simulator's control endpoint; fails the test unless 2xx.
  void Sim(const std::string& path, const std::string& json) const;

  // A config for the pipeline probe against the simulator: every layer L0..L5 by DAG id,
  // `extra_pipeline_yaml` added to the pipeline section.
  std::string PipelineConfig(const std::string& interval = "1s",
                             const std::string& timeout = "800ms",
                             const std::string& api = "v1") const;
  void WriteConfig(const std::string& yaml) const { WriteFile("config.yml", yaml); }

  // Starts the exporter with config.yml and state.db in the directory; waits until it listens.
  void StartExporter(const std::vector<std::string>& extra_flags = {});
  // Where StartExporter listens: "127.0.0.1:0" (any free port) unless a test needs a fixed one
  // (a Prometheus scrape target that must survive a restart).
  void SetExporterListen(std::string address) { exporter_listen_ = std::move(address); }
  // A command StartExporter runs the exporter through, which must exec it (so that the PID is
  // the exporter's): e.g. setpriv dropping capabilities. Empty: the exporter itself.
  void SetExporterWrapper(std::vector<std::string> argv) { exporter_wrapper_ = std::move(argv); }
  Process& exporter() { return *exporter_; }
  int StopExporter();
  int exporter_port() const { return exporter_port_; }

  std::string ScrapeText() const;
  // Holds `exposition` against the metric contract in the repository
  // (exporter/metrics-contract.yaml, support/contract.h), requiring every contract metric that
  // starts with one of the prefixes; and, only when ../shared/tools/check-contract is beside the
  // checkout, against DESIGN.md's contract with that tool too (the README's table passed with
  // --also). The findings, one per line; "" when it holds. Never skips: the contract is in the
  // repository.
  std::string CheckContract(const std::string& exposition,
                            const std::vector<std::string>& required_prefixes) const;
  Series Scrape() const { return ParseExposition(ScrapeText()); }
  // Waits until the series has the value (bounded); the last scrape is in *last.
  bool WaitForValue(const std::string& series, double value,
                    std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) const;
  bool WaitForAtLeast(const std::string& series, double value,
                      std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) const;
  // Waits until `probe` has a finished run that started after `unix_seconds` (its last run's end
  // less its duration): what the probe reads from then on is in the metrics. Bounded.
  bool WaitForRunStartedAfter(
      const std::string& probe, double unix_seconds,
      std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) const;

 private:
  std::string dir_;
  std::unique_ptr<Process> sim_;
  std::unique_ptr<Process> exporter_;
  int sim_port_ = 0;
  int exporter_port_ = 0;
  std::string exporter_listen_ = "127.0.0.1:0";
  std::vector<std::string> exporter_wrapper_;
  int exporter_starts_ = 0;
  int sim_starts_ = 0;
};

}  // namespace usdcop::testing
