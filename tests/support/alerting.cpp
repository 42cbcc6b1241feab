#include "support/alerting.h"

#include <httplib.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "support/exposition.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;

// Waits until GET path answers 200 (bounded); throws with the log otherwise.
void WaitReady(int port, const std::string& path, const Process& process, const char* what) {
  if (Eventually([&] { return HttpGet(port, path, 1000ms).has_value(); }, 20s)) return;
  throw std::runtime_error(std::string(what) + " did not become ready:\n" + process.Log());
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

}  // namespace

WebhookReceiver::WebhookReceiver() : server_(std::make_unique<httplib::Server>()) {
  server_->Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    const auto now = std::chrono::steady_clock::now();
    if (body.is_object() && body.contains("alerts") && body["alerts"].is_array()) {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& a : body["alerts"])
        alerts_.push_back(
            {now, body.value("receiver", ""), req.path, req.get_header_value("Authorization"), a});
      cv_.notify_all();
    }
    res.set_content("{}", "application/json");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("WebhookReceiver: cannot listen");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

WebhookReceiver::~WebhookReceiver() {
  Eventually([&] { return server_->is_running(); }, 2s);
  server_->stop();
  thread_.join();
}

std::string WebhookReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<ReceivedAlert> WebhookReceiver::Alerts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alerts_;
}

std::optional<ReceivedAlert> WebhookReceiver::WaitFor(const std::string& alertname,
                                                      const std::string& status,
                                                      std::chrono::steady_clock::time_point since,
                                                      std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mu_);
  std::optional<ReceivedAlert> found;
  cv_.wait_for(lock, limit, [&] {
    for (const ReceivedAlert& a : alerts_)
      if (a.received >= since && a.alert.value("status", "") == status &&
          a.alert["labels"].value("alertname", "") == alertname) {
        found = a;
        return true;
      }
    return false;
  });
  return found;
}

PrometheusServer::PrometheusServer(const std::string& dir, const std::string& config_yaml)
    : PrometheusServer(dir, config_yaml, PrometheusOptions{}) {}

PrometheusServer::PrometheusServer(const std::string& dir, const std::string& config_yaml,
                                   const PrometheusOptions& options) {
  const std::string config = dir + "/prometheus.yml";
  WriteText(config, config_yaml);
  std::filesystem::create_directories(dir + "/prometheus-data");
  port_ = options.port > 0 ? options.port : FreeLowPort();
  std::vector<std::string> argv{"prometheus",
                                "--config.file=" + config,
                                "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                "--storage.tsdb.path=" + dir + "/prometheus-data",
                                "--web.enable-lifecycle",
                                "--log.level=warn"};
  argv.insert(argv.end(), options.extra_flags.begin(), options.extra_flags.end());
  process_ = std::make_unique<Process>(argv, dir + "/prometheus.log");
  WaitReady(port_, "/-/ready", *process_, "prometheus");
}

void PrometheusServer::Kill() {
  process_->Signal(SIGKILL);
  process_->WaitExit(5s);
}

nlohmann::json PrometheusServer::Query(const std::string& promql) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(5s);
  auto res = client.Get("/api/v1/query", {{"query", promql}}, httplib::Headers{});
  if (!res || res->status != 200) return nullptr;
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (!j.is_object() || !j.contains("data")) return nullptr;
  return j["data"]["result"];
}

AlertmanagerServer::AlertmanagerServer(const std::string& dir, const std::string& config_path)
    : AlertmanagerServer(dir, config_path, AlertmanagerOptions{}) {}

AlertmanagerServer::AlertmanagerServer(const std::string& dir, const std::string& config_path,
                                       const AlertmanagerOptions& options) {
  std::filesystem::create_directories(dir + "/alertmanager");
  port_ = options.port > 0 ? options.port : FreeLowPort();
  std::vector<std::string> argv{"prometheus-alertmanager",
                                "--config.file=" + config_path,
                                "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                "--storage.path=" + dir + "/alertmanager",
                                "--cluster.listen-address=" + options.cluster_listen,
                                "--log.level=warn"};
  for (const std::string& peer : options.peers) argv.push_back("--cluster.peer=" + peer);
  if (!options.peer_timeout.empty())
    argv.push_back("--cluster.peer-timeout=" + options.peer_timeout);
  if (!options.settle_timeout.empty())
    argv.push_back("--cluster.settle-timeout=" + options.settle_timeout);
  process_ = std::make_unique<Process>(argv, dir + "/alertmanager.log");
  WaitReady(port_, "/-/ready", *process_, "alertmanager");
}

void AlertmanagerServer::Kill() {
  process_->Signal(SIGKILL);
  process_->WaitExit(5s);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

// Replaces every `from` in `text`; fails the test when there is none.
void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  size_t n = 0;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
    ++n;
  }
  EXPECT_GT(n, 0u)
      << "alertmanager.yml no longer has \"" << from
      << "\": update the tests' copy (support/alerting.cpp) and alertmanager/README.md";
}

}  // namespace

std::string WriteAlertmanagerTestCopy(const std::string& dir, const std::string& slack_url,
                                      const std::string& webhook_url,
                                      const std::string& webhook_token) {
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/secrets");
  std::ofstream(dir + "/secrets/slack_api_url") << slack_url << "\n";
  std::ofstream(dir + "/secrets/smtp_password") << "placeholder\n";
  std::ofstream(dir + "/secrets/webhook_token") << webhook_token << "\n";
  std::error_code ec;
  fs::create_directory_symlink(fs::path(USDCOP_SOURCE_DIR) / "alertmanager" / "templates",
                               dir + "/templates", ec);
  EXPECT_FALSE(ec) << dir << "/templates: " << ec.message();
  std::string text = ReadText(std::string(USDCOP_SOURCE_DIR) + "/alertmanager/alertmanager.yml");
  ReplaceAll(text, "/etc/alertmanager/secrets/", dir + "/secrets/");
  ReplaceAll(text, "http://127.0.0.1:9813/api/alerts/webhook", webhook_url);
  ReplaceAll(text, "smtp.example.com:587", "127.0.0.1:" + std::to_string(FreeLowPort()));
  ReplaceAll(text, "group_wait: 30s", "group_wait: 1s");
  ReplaceAll(text, "group_interval: 5m", "group_interval: 1s");
  std::ofstream(dir + "/alertmanager.yml") << text;
  return dir + "/alertmanager.yml";
}

void WriteShortenedRules(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(USDCOP_SOURCE_DIR) / "rules")) {
    if (entry.path().extension() != ".yml") continue;
    CommandResult r =
        RunCommand({"sed", "-E", "s/^( *for: )([0-9]+)m$/\\1\\2s/", entry.path().string()}, "");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::ofstream(dir + "/" + entry.path().filename().string()) << r.output;
    ++files;
  }
  EXPECT_GE(files, 2u) << "rules/*.yml not found under " << USDCOP_SOURCE_DIR;
}

}  // namespace usdcop::testing
