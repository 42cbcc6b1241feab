#include "shared/log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "shared/sim_time.h"

namespace usdcop::sim {

void Log(std::string_view message) {
  static std::mutex mu;
  std::string line = FormatIsoZ(Now()) + " pipeline-sim: ";
  line.append(message);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace usdcop::sim
