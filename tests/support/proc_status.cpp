#include "support/proc_status.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

namespace usdcop::testing {

std::optional<std::uint64_t> ProcStatusBytes(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::istringstream value(line.substr(field.size() + 1));
    std::uint64_t kb = 0;
    if (value >> kb) return kb * 1024;
  }
  return std::nullopt;
}

std::optional<OpenFileLimit> ProcOpenFileLimit(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  const std::string name = "Max open files";
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0) continue;
    std::istringstream values(line.substr(name.size()));
    std::string soft, hard;
    if (!(values >> soft >> hard)) return std::nullopt;
    auto number = [](const std::string& s) {
      return s == "unlimited" ? std::numeric_limits<std::uint64_t>::max() : std::stoull(s);
    };
    return OpenFileLimit{number(soft), number(hard)};
  }
  return std::nullopt;
}

RssWatch::RssWatch(pid_t pid, std::uint64_t limit_bytes, std::chrono::milliseconds period)
    : pid_(pid), limit_(limit_bytes) {
  thread_ = std::thread([this, period] {
    while (!stop_.load()) {
      if (auto rss = ProcStatusBytes(pid_, "VmRSS")) {
        if (*rss > peak_.load()) peak_.store(*rss);
        if (*rss > limit_) exceeded_.store(true);
      }
      std::this_thread::sleep_for(period);
    }
  });
}

RssWatch::~RssWatch() {
  stop_.store(true);
  thread_.join();
}

std::uint64_t RssWatch::peak_bytes() const {
  return std::max(peak_.load(), ProcStatusBytes(pid_, "VmHWM").value_or(0));
}

}  // namespace usdcop::testing
