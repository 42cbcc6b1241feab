// The README's "## Metrics" tables say what the metric contract (exporter/metrics-contract.yaml)
// says: every metric of the contract has its row, with the same type and label names, and every
// row is a metric of the contract. Where ../shared/DESIGN.md is beside the checkout, the
// contract's `spec: design` metrics are also held against its metric contract table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "support/contract.h"

namespace usdcop::testing {
namespace {

struct TableRow {
  std::string type;
  std::set<std::string> labels;
  int line = 0;
};

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Trim(const std::string& s) {
  const size_t start = s.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  return s.substr(start, s.find_last_not_of(" \t") - start + 1);
}

// The rows "| `name` | type | a, b | ..." of the markdown tables between the heading `heading`
// and the next "## " heading (the whole text when `heading` is empty). A row whose first cell
// starts with a backtick but is not one metric name in backticks is a finding: each metric has
// a row of its own.
std::map<std::string, TableRow> MetricRows(const std::string& text, const std::string& heading,
                                           std::vector<std::string>* findings) {
  static const std::regex kRow(R"(^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|([^|]*)\|([^|]*)\|)");
  std::map<std::string, TableRow> rows;
  std::istringstream in(text);
  std::string line;
  bool inside = heading.empty();
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.rfind("## ", 0) == 0) {
      inside = line == heading;
      continue;
    }
    if (!inside || line.rfind("| `", 0) != 0) continue;
    std::smatch m;
    if (!std::regex_search(line, m, kRow)) {
      findings->push_back("line " + std::to_string(number) + ": not one metric per row: " + line);
      continue;
    }
    TableRow row{Trim(m[2]), {}, number};
    std::istringstream labels(m[3].str());
    for (std::string l; std::getline(labels, l, ',');)
      if (!Trim(l).empty()) row.labels.insert(Trim(l));
    if (!rows.emplace(m[1], row).second)
      findings->push_back("line " + std::to_string(number) + ": " + m[1].str() +
                          " has a second row");
  }
  return rows;
}

std::string Describe(const std::string& type, const std::set<std::string>& labels) {
  std::string out = type + " {";
  for (const std::string& l : labels) out += (out.back() == '{' ? "" : ", ") + l;
  return out + "}";
}

// Each table row against the contract, and the contract's metrics of `specs` against the rows.
std::vector<std::string> Compare(const std::map<std::string, TableRow>& rows,
                                 const std::set<std::string>& specs, const std::string& where) {
  std::vector<std::string> findings;
  const MetricContract& contract = MetricContract::Repository();
  for (const auto& [name, row] : rows) {
    const ContractMetric* m = contract.Find(name);
    if (!m) {
      findings.push_back(where + " line " + std::to_string(row.line) + ": " + name +
                         " is not in the contract");
      continue;
    }
    const std::set<std::string> labels(m->labels.begin(), m->labels.end());
    if (row.type != m->type || row.labels != labels)
      findings.push_back(where + " line " + std::to_string(row.line) + ": " + name + " is " +
                         Describe(row.type, row.labels) + ", the contract says " +
                         Describe(m->type, labels));
  }
  for (const ContractMetric& m : contract.metrics())
    if (specs.count(m.spec) && !rows.count(m.name))
      findings.push_back(m.name + ": in the contract, not in " + where);
  return findings;
}

TEST(ContractReadme, TheMetricsTablesListEveryMetricOfTheContractAsItSays) {
  const std::string readme = ReadText(std::string(USDCOP_SOURCE_DIR) + "/README.md");
  ASSERT_THAT(readme, ::testing::HasSubstr("\n## Metrics\n"));
  std::vector<std::string> findings;
  auto rows = MetricRows(readme, "## Metrics", &findings);
  for (const std::string& f : Compare(rows, {"design", "project", "standard"}, "README.md"))
    findings.push_back(f);
  EXPECT_THAT(findings, ::testing::IsEmpty());
}

// ../shared is the design beside the checkout (where there is one): the contract's `design`
// metrics are its table's rows. An extra check: without the design the README test above and the
// golden files still hold the contract.
TEST(ContractReadme, TheDesignMetricsAreDesignMdsWhereItIsBesideTheCheckout) {
  const std::string design = std::string(USDCOP_SHARED_DIR) + "/DESIGN.md";
  if (!std::filesystem::exists(design)) GTEST_SKIP() << design << " is not beside the checkout";
  std::vector<std::string> findings;
  auto rows = MetricRows(ReadText(design), "## Metric contract", &findings);
  EXPECT_GT(rows.size(), 50u);
  for (const std::string& f : Compare(rows, {"design"}, "DESIGN.md")) findings.push_back(f);
  EXPECT_THAT(findings, ::testing::IsEmpty());
}

}  // namespace
}  // namespace usdcop::testing
