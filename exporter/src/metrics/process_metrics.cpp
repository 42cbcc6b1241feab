#include "metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <vector>

#include "common/small_file.h"

namespace usdcop {
namespace {

// /proc/stat grows with the CPUs and interrupts; 4 MiB is far above any machine's.
constexpr std::size_t kMaxProcFileBytes = 4 << 20;

std::optional<double> ToNumber(std::string_view field) {
  long long value = 0;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return static_cast<double>(value);
}

std::optional<double> CountOpenFds(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return std::nullopt;
  double n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;  // the directory's own fd counts, as in the Go client
  }
  ::closedir(d);
  return n;
}

// Read once: the boot time does not change while the process runs.
double BootTime(const std::string& proc_root) {
  static const double boot = [&] {
    auto text = ReadSmallFile(proc_root + "/stat", kMaxProcFileBytes);
    return text.ok() ? ParseBootTime(*text).value_or(0) : 0;
  }();
  return boot;
}

}  // namespace

std::optional<ProcessStats> ParseProcStat(std::string_view stat, const ProcSystem& system) {
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos || system.ticks_per_second <= 0) return std::nullopt;
  // Fields after the command, numbered as in proc(5): 3 state, ... 14 utime, 15 stime,
  // 22 starttime, 23 vsize, 24 rss.
  std::vector<std::string_view> fields;
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty() && fields.size() < 22) {
    size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    size_t end = rest.find_first_of(" \n", start);
    fields.push_back(rest.substr(start, end == std::string_view::npos ? rest.npos : end - start));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  if (fields.size() < 22) return std::nullopt;
  auto field = [&](int number) { return ToNumber(fields[number - 3]); };
  auto utime = field(14), stime = field(15), start = field(22), vsize = field(23), rss = field(24);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  const double ticks = static_cast<double>(system.ticks_per_second);
  ProcessStats s;
  s.cpu_seconds = (*utime + *stime) / ticks;
  s.start_time_seconds = system.boot_time + *start / ticks;
  s.virtual_memory_bytes = *vsize;
  s.resident_memory_bytes = *rss * static_cast<double>(system.page_size);
  return s;
}

std::optional<double> ParseBootTime(std::string_view proc_stat) {
  for (size_t at = 0; at < proc_stat.size();) {
    size_t end = proc_stat.find('\n', at);
    std::string_view line =
        proc_stat.substr(at, end == std::string_view::npos ? proc_stat.npos : end - at);
    if (line.substr(0, 6) == "btime ") return ToNumber(line.substr(6));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<ProcessStats> ReadProcessStats(const std::string& proc_root) {
  auto stat = ReadSmallFile(proc_root + "/self/stat", kMaxProcFileBytes);
  if (!stat.ok()) return std::nullopt;
  const ProcSystem system{::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE), BootTime(proc_root)};
  auto stats = ParseProcStat(*stat, system);
  if (!stats) return std::nullopt;
  stats->open_fds = CountOpenFds(proc_root + "/self/fd");
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    stats->max_fds = static_cast<double>(limit.rlim_cur);
  return stats;
}

void RenderProcessStats(const ProcessStats& s, FamilyBuilder& out) {
  out.Counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {},
              s.cpu_seconds);
  if (s.open_fds)
    out.Gauge("process_open_fds", "Number of open file descriptors.", {}, *s.open_fds);
  if (s.max_fds)
    out.Gauge("process_max_fds", "Maximum number of open file descriptors.", {}, *s.max_fds);
  out.Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
            s.virtual_memory_bytes);
  out.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
            s.resident_memory_bytes);
  out.Gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
            {}, s.start_time_seconds);
}

}  // namespace usdcop
