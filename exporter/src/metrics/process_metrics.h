// The standard process metrics every Prometheus client library publishes for its process
// (process_cpu_seconds_total, process_resident_memory_bytes, ...), which prometheus-cpp does not:
// read from Linux's /proc, with the names, types and HELP texts of the Go and Python clients, so
// that standard dashboards and the resource panels work. Functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "exposition/family_builder.h"

namespace usdcop {

struct ProcessStats {
  double cpu_seconds = 0;            // user + system time
  double resident_memory_bytes = 0;  // RSS
  double virtual_memory_bytes = 0;   // VSZ
  double start_time_seconds = 0;     // Unix time the process started
  std::optional<double> open_fds;    // entries of /proc/self/fd
  std::optional<double> max_fds;     // the soft RLIMIT_NOFILE (absent when unlimited)
};

// What ParseProcStat needs of the system besides the stat line.
struct ProcSystem {
  long ticks_per_second = 100;  // sysconf(_SC_CLK_TCK)
  long page_size = 4096;        // sysconf(_SC_PAGESIZE)
  double boot_time = 0;         // `btime` of /proc/stat, Unix seconds
};

// Fields of one /proc/<pid>/stat line (proc(5)): utime, stime, starttime, vsize, rss. The
// command name may hold spaces and parentheses, so fields are counted after its last ')'.
// nullopt when the line is malformed.
std::optional<ProcessStats> ParseProcStat(std::string_view stat, const ProcSystem& system);

// The `btime` line of /proc/stat: boot time in Unix seconds; nullopt when absent.
std::optional<double> ParseBootTime(std::string_view proc_stat);

// This process's stats from `proc_root` (/proc); nullopt when its stat file cannot be read
// (not Linux, /proc not mounted): the metrics are then left out, never made up.
std::optional<ProcessStats> ReadProcessStats(const std::string& proc_root = "/proc");

// The six families, as the client libraries name them.
void RenderProcessStats(const ProcessStats& stats, FamilyBuilder& out);

}  // namespace usdcop
