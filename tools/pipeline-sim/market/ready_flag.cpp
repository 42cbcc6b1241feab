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

Status ReadyFlag::Init() {
  std::error_code ec;
  fs::path dir = fs::absolute(path_, ec).parent_path();
  if (!ec) fs::create_directories(dir, ec);
  if (!ec) return Status::Ok();
  return IoError("filesystem",
                 "cannot create the directory of " + path_.string() + ": " + ec.message());
}

Status ReadyFlag::Write(Time last_bar) {
  MutexLock lock(mu_);
  Time now = Now();
  nlohmann::json content = {
      {"ready", true}, {"timestamp", FormatIsoZ(now)}, {"last_bar", FormatIsoZ(last_bar)}};
  fs::path temp = path_;
  temp += ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << content.dump() << '\n';
    out.close();
    if (!out) return IoError("filesystem", "cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, path_, ec);
  if (ec) {
    fs::remove(temp, ec);
    return IoError("filesystem", "cannot rename to " + path_.string());
  }
  ++writes_;
  written_at_ = now;
  last_bar_ = last_bar;
  return Status::Ok();
}

nlohmann::json ReadyFlag::Describe() const {
  MutexLock lock(mu_);
  return {{"path", path_.string()},
          {"writes", writes_},
          {"last_timestamp", TimeOrNull(written_at_)},
          {"last_bar", TimeOrNull(last_bar_)}};
}

}  // namespace usdcop::sim
