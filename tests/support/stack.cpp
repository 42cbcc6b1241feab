#include "support/stack.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace usdcop::testing {

const std::vector<std::string> kDagIds = {"usdcop_m5__01_l0_intelligent_acquire",
                                          "usdcop_m5__02_l1_standardize",
                                          "usdcop_m5__03_l2_prepare",
                                          "usdcop_m5__04_l3_feature",
                                          "usdcop_m5__05_l4_rlready",
                                          "usdcop_m5__06_l5_serving"};

Stack::Stack() {
  char tmpl[] = "/tmp/usdcop_it_XXXXXX";
  dir_ = mkdtemp(tmpl);
  WriteFile("airflow_password", std::string(kPlantedPassword) + "\n");
}

Stack::~Stack() {
  exporter_.reset();
  sim_.reset();
  if (!::testing::Test::HasFailure())
    std::filesystem::remove_all(dir_);
  else
    std::cerr << "kept " << dir_ << " (logs of the failed test)\n";
}

void Stack::WriteFile(const std::string& name, const std::string& text) const {
  std::ofstream out(File(name) + ".tmp", std::ios::binary);
  out << text;
  out.close();
  std::filesystem::rename(File(name) + ".tmp", File(name));  // whole, as a reload must see it
}

void Stack::StartSim(const std::vector<std::string>& extra_args) {
  if (sim_) sim_->Stop();
  std::vector<std::string> argv = {PIPELINE_SIM_BIN,        "--listen",  "127.0.0.1:0",
                                   "--state-dir",           File("sim"), "--airflow.password-file",
                                   File("airflow_password")};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  sim_ = std::make_unique<Process>(argv, File("sim-" + std::to_string(++sim_starts_) + ".log"));
  auto port =
      sim_->WaitForLog("listening on http://127\\.0\\.0\\.1:([0-9]+)", std::chrono::seconds(10));
  ASSERT_TRUE(port) << "pipeline-sim did not start:\n" << sim_->Log();
  sim_port_ = std::stoi(*port);
}

void Stack::Sim(const std::string& path, const std::string& json) const {
  std::string response;
  int status = HttpPost(sim_port_, path, json, &response);
  ASSERT_GE(status, 200) << path << ": " << response;
  ASSERT_LT(status, 300) << path << ": " << response;
}

std::string Stack::PipelineConfig(const std::string& interval, const std::string& timeout,
                                  const std::string& api) const {
  std::string yaml = "probes:\n  pipeline:\n    interval: " + interval +
                     "\n    timeout: " + timeout +
                     "\n    airflow:\n      url: http://127.0.0.1:" + std::to_string(sim_port_) +
                     "\n      api: " + api +
                     "\n      username: admin\n      password_file: airflow_password\n"
                     "    layers:\n";
  for (size_t i = 0; i < kDagIds.size(); ++i)
    yaml += "      - {layer: L" + std::to_string(i) + ", dag_id: " + kDagIds[i] +
            (i == 0 ? ", records_xcom: {task_id: report, key: records}" : "") + "}\n";
  return yaml;
}

void Stack::StartExporter(const std::vector<std::string>& extra_flags) {
  exporter_.reset();
  std::vector<std::string> argv = {USDCOP_EXPORTER_BIN, "--config.file=" + File("config.yml"),
                                   "--web.listen-address=" + exporter_listen_,
                                   "--storage.path=" + File("state.db"), "--log.level=debug"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  argv.insert(argv.begin(), exporter_wrapper_.begin(), exporter_wrapper_.end());
  exporter_ = std::make_unique<Process>(
      argv, File("exporter-" + std::to_string(++exporter_starts_) + ".log"));
  auto port = exporter_->WaitForLog("msg=listening address=127\\.0\\.0\\.1:([0-9]+)",
                                    std::chrono::seconds(10));
  ASSERT_TRUE(port) << "usdcop_exporter did not start:\n" << exporter_->Log();
  exporter_port_ = std::stoi(*port);
}

int Stack::StopExporter() {
  int code = exporter_->Stop();
  return code;
}

std::string Stack::ScrapeText() const {
  auto text = HttpGet(exporter_port_, "/metrics");
  return text.value_or("");
}

bool Stack::WaitForValue(const std::string& series, double value,
                         std::chrono::milliseconds limit) const {
  return Eventually(
      [&] {
        auto s = Scrape();
        auto it = s.find(series);
        return it != s.end() && it->second == value;
      },
      limit);
}

bool Stack::WaitForAtLeast(const std::string& series, double value,
                           std::chrono::milliseconds limit) const {
  return Eventually(
      [&] {
        auto s = Scrape();
        auto it = s.find(series);
        return it != s.end() && it->second >= value;
      },
      limit);
}

std::string Stack::CheckContract(const std::string& exposition,
                                 const std::vector<std::string>& required_prefixes) const {
  std::string findings = usdcop::testing::CheckContract(exposition, required_prefixes);
  // The design's own tool, an extra check where ../shared is beside the checkout.
  const std::string tool = std::string(USDCOP_SHARED_DIR) + "/tools/check-contract";
  if (!std::filesystem::exists(tool)) return findings;
  WriteFile("exposition.prom", exposition);
  std::vector<std::string> argv = {"python3", tool, File("exposition.prom"), "--also",
                                   std::string(USDCOP_SOURCE_DIR) + "/README.md"};
  for (const std::string& prefix : required_prefixes)
    argv.insert(argv.end(), {"--require", prefix});
  CommandResult r = RunCommand(argv, "");
  if (r.exit_code != 0)
    findings += "check-contract (exit " + std::to_string(r.exit_code) + "):\n" + r.output;
  return findings;
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool Stack::WaitForRunStartedAfter(const std::string& probe, double unix_seconds,
                                   std::chrono::milliseconds limit) const {
  const std::string labels = "{probe=\"" + probe + "\"}";
  return Eventually(
      [&] {
        Series s = Scrape();
        auto end = s.find("usdcop_probe_last_run_timestamp_seconds" + labels);
        auto took = s.find("usdcop_probe_duration_seconds" + labels);
        return end != s.end() && took != s.end() && end->second - took->second > unix_seconds;
      },
      limit);
}

std::string AlwaysOpenZone() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const long long hour = std::chrono::duration_cast<std::chrono::hours>(now).count() % 24;
  if (hour >= 5 && hour < 19) return "UTC";
  // Local noon: UTC+(12 - hour), 12 h ahead at 00:xx UTC, 11 h behind at 23:xx. Etc/GMT's sign
  // is POSIX's, the reverse of ISO's: Etc/GMT-7 is UTC+7.
  const long long ahead = 12 - hour;
  return ahead > 0 ? "Etc/GMT-" + std::to_string(ahead) : "Etc/GMT+" + std::to_string(-ahead);
}

std::string AlwaysOpenCalendarYaml(const std::string& zone, const std::string& bar_interval) {
  return "calendar:\n  timezone: " + zone +
         "\n  sessions: [{days: [sun, mon, tue, wed, thu, fri, sat], open: \"00:00\", close: "
         "\"23:59\"}]\n  bar_interval: " +
         bar_interval + "\n  holidays: []\n";
}

}  // namespace usdcop::testing
