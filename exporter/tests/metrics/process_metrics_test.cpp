#include "metrics/process_metrics.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "metrics/render.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A real line of /proc/<pid>/stat (proc(5)) whose command holds a space and a ')'.
// utime 250, stime 50, starttime 123456, vsize 987654321, rss 2000.
constexpr const char* kStat =
    "4242 (usdcop ex) porter) S 1 4242 4242 0 -1 4194560 1021 0 0 0 250 50 0 0 20 0 9 0 123456 "
    "987654321 2000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessMetricsTest, ParsesTheStatLineAfterTheCommandsLastParenthesis) {
  auto s =
      ParseProcStat(kStat, {.ticks_per_second = 100, .page_size = 4096, .boot_time = 1795000000});
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.0);                          // (250 + 50) / 100
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1795000000 + 1234.56);  // boot + 123456 / 100
  EXPECT_DOUBLE_EQ(s->virtual_memory_bytes, 987654321);
  EXPECT_DOUBLE_EQ(s->resident_memory_bytes, 2000.0 * 4096);
}

TEST(ProcessMetricsTest, RefusesMalformedLines) {
  const ProcSystem sys;
  EXPECT_FALSE(ParseProcStat("", sys));
  EXPECT_FALSE(ParseProcStat("4242 no parenthesis S 1 2 3", sys));
  EXPECT_FALSE(ParseProcStat("4242 (short) S 1 4242 4242 0 -1 4194560 1021 0 0 0 250 50", sys));
  std::string bad = kStat;
  bad.replace(bad.find(" 250 "), 5, " x50 ");  // utime not a number
  EXPECT_FALSE(ParseProcStat(bad, sys));
  EXPECT_FALSE(ParseProcStat(kStat, {.ticks_per_second = 0}));
}

TEST(ProcessMetricsTest, BootTimeIsTheBtimeLine) {
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1794999000\nprocesses 9\n"), 1794999000.0);
  EXPECT_FALSE(ParseBootTime("cpu  1 2 3\nprocesses 9\n").has_value());
  EXPECT_FALSE(ParseBootTime("btime soon\n").has_value());
}

TEST(ProcessMetricsTest, ReadsThisProcess) {
  auto before = ReadProcessStats();
  ASSERT_TRUE(before.has_value()) << "/proc/self/stat unreadable";
  const double now = static_cast<double>(std::time(nullptr));
  // ctest runs each test in a fresh process: it started within the last minutes.
  EXPECT_LE(before->start_time_seconds, now + 1);
  EXPECT_GT(before->start_time_seconds, now - 600);
  EXPECT_GT(before->resident_memory_bytes, 1e5);
  EXPECT_GE(before->virtual_memory_bytes, before->resident_memory_bytes);
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_TRUE(before->max_fds.has_value());
  EXPECT_EQ(*before->max_fds, static_cast<double>(limit.rlim_cur));
  ASSERT_TRUE(before->open_fds.has_value());
  EXPECT_GE(*before->open_fds, 3);

  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  // Burn at least 0.2 s of CPU (bounded by the wall clock too), then read again.
  const std::clock_t cpu_start = std::clock();
  const auto wall_limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  volatile double sink = 0;
  while (std::clock() - cpu_start < CLOCKS_PER_SEC / 5 &&
         std::chrono::steady_clock::now() < wall_limit)
    for (int i = 0; i < 100000; ++i) sink = sink + i;
  auto after = ReadProcessStats();
  ::close(fd);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(*after->open_fds, *before->open_fds + 1);
  EXPECT_GE(after->cpu_seconds - before->cpu_seconds, 0.15);
  EXPECT_EQ(after->start_time_seconds, before->start_time_seconds);
}

TEST(ProcessMetricsTest, RendersTheClientLibrariesNamesTypesAndHelp) {
  ResultBoard board;
  SystemClock clock;
  MetricsRenderer renderer(board, {"1", "r"}, clock);
  int samples = 0;
  ProcessStats stats{.cpu_seconds = 1.5,
                     .resident_memory_bytes = 2e6,
                     .virtual_memory_bytes = 3e6,
                     .start_time_seconds = 1795000000,
                     .open_fds = 12,
                     .max_fds = 1024};
  renderer.SetProcessSource(
      [&] {
        ++samples;
        stats.cpu_seconds += 1;
        return std::optional(stats);
      },
      std::chrono::hours(1));
  const std::string text = *renderer.Render();
  EXPECT_THAT(
      text,
      HasSubstr(
          "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
          "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 2.5\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 2000000\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes 3000000\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE process_open_fds gauge\nprocess_open_fds 12\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE process_max_fds gauge\nprocess_max_fds 1024\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1795000000\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_build_info{"));  // appended to the probes' text, not instead
  // Within the interval the cached text is served: one sample.
  EXPECT_EQ(*renderer.Render(), text);
  EXPECT_EQ(samples, 1);
}

TEST(ProcessMetricsTest, SampledAgainOnceTheIntervalPassed) {
  ResultBoard board;
  SystemClock clock;
  MetricsRenderer renderer(board, {"1", "r"}, clock);
  double cpu = 0;
  renderer.SetProcessSource(
      [&] {
        cpu += 1;
        return std::optional(ProcessStats{.cpu_seconds = cpu});
      },
      std::chrono::nanoseconds(0));
  EXPECT_THAT(*renderer.Render(), HasSubstr("process_cpu_seconds_total 1\n"));
  EXPECT_THAT(*renderer.Render(), HasSubstr("process_cpu_seconds_total 2\n"));
  // No source, or a source that cannot read /proc: no process metrics at all, never zeros.
  renderer.SetProcessSource([] { return std::optional<ProcessStats>(); },
                            std::chrono::nanoseconds(0));
  EXPECT_THAT(*renderer.Render(), Not(HasSubstr("process_")));
  MetricsRenderer bare(board, {"1", "r"}, clock);
  EXPECT_THAT(*bare.Render(), Not(HasSubstr("process_")));
}

}  // namespace
}  // namespace usdcop
