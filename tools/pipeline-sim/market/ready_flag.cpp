#include "market/ready_flag.h"

#include <unistd.h>

#include <fstream>
#include <system_error>

namespace usdcop::sim {
namespace {

namespace fs = std::filesystem;

}  // namespace

nlohmann::json TimeOrNull(const std::optional<Time>& t) {
  return t ? nlohmann::json(FormatIsoZ(*t)) : nlohmann::json(nullptr);
}

bool ReadyFlag::Init(std::string* error) {
  std::error_code ec;
  fs::path dir = fs::absolute(path_, ec).parent_path();
  if (!ec) fs::create_directories(dir, ec);
  if (!ec) return true;
  *error = "cannot create the directory of " + path_.string() + ": " + ec.message();
  return false;
}

bool ReadyFlag::Write(Time last_bar, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  Time now = Now();
  nlohmann::json content = {
      {"ready", true}, {"timestamp", FormatIsoZ(now)}, {"last_bar", FormatIsoZ(last_bar)}};
  fs::path temp = path_;
  temp += ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << content.dump() << '\n';
    out.close();
    if (!out) {
      *error = "cannot write " + temp.string();
      return false;
    }
  }
  std::error_code ec;
  fs::rename(temp, path_, ec);
  if (ec) {
    fs::remove(temp, ec);
    *error = "cannot rename to " + path_.string();
    return false;
  }
  ++writes_;
  written_at_ = now;
  last_bar_ = last_bar;
  return true;
}

nlohmann::json ReadyFlag::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {{"path", path_.string()},
          {"writes", writes_},
          {"last_timestamp", TimeOrNull(written_at_)},
          {"last_bar", TimeOrNull(last_bar_)}};
}

}  // namespace usdcop::sim
