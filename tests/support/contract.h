// The metric contract (exporter/metrics-contract.yaml) and the check of an exposition against
// it, for every test that holds the exporter's output to the contract: the integration tests'
// scrapes, the golden files, the README's metric table. Plain functions and an immutable value;
// thread-safe once loaded.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace usdcop::testing {

struct ContractMetric {
  std::string name;
  std::string type;  // as the `# TYPE` line says it: gauge, counter, histogram, summary
  std::vector<std::string> labels;  // label names, in the contract's order
  std::string spec;                 // where it is specified: design, project or standard
};

class MetricContract {
 public:
  // Reads a contract file; nullopt with the reason in *error when it cannot be read or holds a
  // malformed entry (a missing field, an unknown type or spec, a name listed twice).
  static std::optional<MetricContract> Load(const std::string& path, std::string* error);
  // Parses a contract's text (the file's format).
  static std::optional<MetricContract> Parse(const std::string& yaml, std::string* error);
  // The repository's contract (USDCOP_METRICS_CONTRACT), read once. Aborts with a message when it
  // cannot be read: no check may pass without it.
  static const MetricContract& Repository();

  const std::vector<ContractMetric>& metrics() const { return metrics_; }
  const ContractMetric* Find(const std::string& name) const;

  // What in `exposition` (the text format 0.0.4) breaks the contract, one line each; empty when
  // it holds. Found: a family not in the contract, a TYPE that differs, a series whose label
  // names are not exactly the contract's (plus `le` on a histogram's buckets, `quantile` on a
  // summary's), a series without a TYPE line, a series given twice, a line that does not parse;
  // and for each of `required_prefixes`, every contract metric starting with it that is absent.
  std::vector<std::string> Check(const std::string& exposition,
                                 const std::vector<std::string>& required_prefixes = {}) const;

 private:
  std::vector<ContractMetric> metrics_;
};

// The repository contract's findings on `exposition`, one per line; "" when it holds. For
// EXPECT_EQ(CheckContract(text), "").
std::string CheckContract(const std::string& exposition,
                          const std::vector<std::string>& required_prefixes = {});

// One series line of an exposition: its metric name, its labels (name, unescaped value) in
// order, and the value text. nullopt when the line does not parse.
struct ExpositionSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  std::string value;
};
std::optional<ExpositionSample> ParseSampleLine(const std::string& line);

}  // namespace usdcop::testing
