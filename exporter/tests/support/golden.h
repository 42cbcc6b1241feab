// Golden exposition files, as node_exporter's e2e-output.txt: each probe's metrics test
// (probes/<name>/<name>_metrics_test.cpp) renders a fixed, representative result through its
// RenderResult overload, and metrics/render_test a whole MetricsRenderer; each compares the text
// byte for byte with exporter/tests/fixtures/<fixture>.prom and holds it to the metric contract
// (exporter/metrics-contract.yaml). Together the files show every metric of the contract
// (RenderGoldenSet in metrics/render_test.cpp).
//
// After an intended change of the output, rewrite the files and review their diff:
//   USDCOP_UPDATE_GOLDEN=1 ctest --test-dir build -R Golden
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "support/contract.h"

namespace usdcop {

struct Golden {
  const char* fixture;  // exporter/tests/fixtures/<fixture>.prom
  std::string (*render)();
};

// Every golden of the test binary, each registered by its test file at static initialisation (as
// gtest registers its TESTs), so that the set's checks see all of them whichever test runs.
inline std::vector<Golden>& Goldens() {
  static std::vector<Golden> all;
  return all;
}

inline bool RegisterGolden(const Golden& g) {
  Goldens().push_back(g);
  return true;
}

// USDCOP_UPDATE_GOLDEN=1: the tests rewrite the files instead of comparing.
inline bool UpdatingGoldenFiles() {
  const char* update = std::getenv("USDCOP_UPDATE_GOLDEN");
  return update && std::string(update) == "1";
}

namespace golden_internal {

inline std::string FixturePath(const std::string& fixture) {
  return std::string(USDCOP_GOLDEN_DIR) + "/" + fixture + ".prom";
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (!text.empty() && text.back() != '\n') lines.back() += "  (no newline at the end)";
  return lines;
}

// The differing middle of the two texts, with two lines of context, as a unified diff's one hunk
// (at most 60 lines of it).
inline std::string Diff(const std::string& want, const std::string& got) {
  const std::vector<std::string> a = Lines(want), b = Lines(got);
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
    ++tail;
  const size_t from = head >= 2 ? head - 2 : 0;
  std::ostringstream out;
  out << "@@ -" << from + 1 << " +" << from + 1 << " @@ (first difference at line " << head + 1
      << ")\n";
  std::vector<std::string> hunk;
  for (size_t i = from; i < head; ++i) hunk.push_back(" " + a[i]);
  for (size_t i = head; i < a.size() - tail; ++i) hunk.push_back("-" + a[i]);
  for (size_t i = head; i < b.size() - tail; ++i) hunk.push_back("+" + b[i]);
  for (size_t i = a.size() - tail; i < std::min(a.size(), a.size() - tail + 2); ++i)
    hunk.push_back(" " + a[i]);
  for (size_t i = 0; i < hunk.size() && i < 60; ++i) out << hunk[i] << "\n";
  if (hunk.size() > 60) out << "... " << hunk.size() - 60 << " more lines\n";
  return out.str();
}

inline std::string ReadFixture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace golden_internal

// Compares g's rendering with its file, or rewrites the file under USDCOP_UPDATE_GOLDEN=1.
inline void ExpectGolden(const Golden& g) {
  using namespace golden_internal;
  const std::string path = FixturePath(g.fixture);
  const std::string got = g.render();
  EXPECT_EQ(testing::CheckContract(got), "") << g.fixture;
  if (UpdatingGoldenFiles()) {
    std::filesystem::create_directories(USDCOP_GOLDEN_DIR);
    std::ofstream(path, std::ios::binary) << got;
    std::cout << "rewrote " << path << "\n";
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << " is missing: USDCOP_UPDATE_GOLDEN=1 ctest --test-dir build -R Golden writes it";
  const std::string want = ReadFixture(path);
  if (want == got) return;
  ADD_FAILURE() << g.fixture << ".prom differs from the rendering (- the file, + now):\n"
                << Diff(want, got)
                << "An intended change: USDCOP_UPDATE_GOLDEN=1 ctest --test-dir build -R Golden, "
                   "then review the diff.";
}

}  // namespace usdcop
