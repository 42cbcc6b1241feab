#include "shared/log.h"

#include <cstdio>
#include <string>

#include "common/mutex.h"
#include "shared/sim_time.h"

namespace usdcop::sim {

void Log(std::string_view message) {
  static Mutex mu;  // one line at a time on stderr
  std::string line = FormatIsoZ(Now()) + " pipeline-sim: ";
  line.append(message);
  line.push_back('\n');
  MutexLock lock(mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace usdcop::sim
