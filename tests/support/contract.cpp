#include "support/contract.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace usdcop::testing {
namespace {

const std::set<std::string> kContractTypes = {"gauge", "counter", "histogram", "summary"};
const std::set<std::string> kContractSpecs = {"design", "project", "standard"};
const std::set<std::string> kEntryKeys = {"name", "type", "labels", "spec"};

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// [a-zA-Z_][a-zA-Z0-9_]*, and ':' too for a metric name.
bool IsValidName(const std::string& s, bool metric) {
  if (s.empty() || !(IsNameStart(s[0]) || (metric && s[0] == ':'))) return false;
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return IsNameChar(c) || (metric && c == ':'); });
}

std::optional<ContractMetric> ParseEntry(const YAML::Node& node, std::string* error) {
  if (!node.IsMap()) {
    *error = "an entry is not a mapping";
    return std::nullopt;
  }
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!kEntryKeys.count(key)) {
      *error = "unknown key `" + key + "`";
      return std::nullopt;
    }
  }
  ContractMetric m;
  if (!node["name"] || !node["type"] || !node["labels"] || !node["spec"]) {
    *error = "an entry lacks one of name, type, labels, spec";
    return std::nullopt;
  }
  m.name = node["name"].as<std::string>();
  m.type = node["type"].as<std::string>();
  m.spec = node["spec"].as<std::string>();
  if (!IsValidName(m.name, true))
    *error = "`" + m.name + "` is not a metric name";
  else if (!kContractTypes.count(m.type))
    *error = m.name + ": unknown type `" + m.type + "`";
  else if (!kContractSpecs.count(m.spec))
    *error = m.name + ": unknown spec `" + m.spec + "`";
  else if (!node["labels"].IsSequence())
    *error = m.name + ": labels is not a list";
  if (!error->empty()) return std::nullopt;
  std::set<std::string> seen;
  for (const auto& label : node["labels"]) {
    std::string l = label.as<std::string>();
    if (!IsValidName(l, false) || l.rfind("__", 0) == 0 || l == "le" || l == "quantile") {
      *error = m.name + ": `" + l + "` is not a label name a metric may carry";
      return std::nullopt;
    }
    if (!seen.insert(l).second) {
      *error = m.name + ": label `" + l + "` listed twice";
      return std::nullopt;
    }
    m.labels.push_back(std::move(l));
  }
  return m;
}

// "name" or "name{a=\"b\",c=\"d\"}" with the label names sorted: one series' identity.
std::string SeriesKey(const ExpositionSample& s) {
  auto labels = s.labels;
  std::sort(labels.begin(), labels.end());
  std::string key = s.name + "{";
  for (const auto& [k, v] : labels) key += k + "=\"" + v + "\",";
  return key + "}";
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? "none" : out;
}

// A sample's family: itself when it has a TYPE line, else the histogram or summary whose
// _bucket, _sum or _count series it is. The suffix is returned in *suffix ("" for none).
std::optional<std::string> FamilyOf(const std::string& name,
                                    const std::map<std::string, std::string>& types,
                                    std::string* suffix) {
  suffix->clear();
  if (types.count(name)) return name;
  for (const char* s : {"_bucket", "_sum", "_count"}) {
    const std::string sfx = s;
    if (name.size() <= sfx.size() || name.compare(name.size() - sfx.size(), sfx.size(), sfx) != 0)
      continue;
    auto it = types.find(name.substr(0, name.size() - sfx.size()));
    if (it == types.end()) continue;
    if (it->second == "histogram" || (it->second == "summary" && sfx != "_bucket")) {
      *suffix = sfx;
      return it->first;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ExpositionSample> ParseSampleLine(const std::string& line) {
  ExpositionSample s;
  size_t i = 0;
  while (i < line.size() && (IsNameChar(line[i]) || line[i] == ':')) ++i;
  s.name = line.substr(0, i);
  if (!IsValidName(s.name, true)) return std::nullopt;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const size_t start = i;
      while (i < line.size() && IsNameChar(line[i])) ++i;
      std::string label = line.substr(start, i - start);
      if (!IsValidName(label, false) || i + 1 >= line.size() || line[i] != '=' ||
          line[i + 1] != '"')
        return std::nullopt;
      i += 2;
      std::string value;
      for (; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] != '\\') {
          value += line[i];
          continue;
        }
        if (++i >= line.size()) return std::nullopt;
        if (line[i] == 'n')
          value += '\n';
        else if (line[i] == '\\' || line[i] == '"')
          value += line[i];
        else
          return std::nullopt;
      }
      if (i >= line.size()) return std::nullopt;  // no closing quote
      ++i;
      s.labels.emplace_back(std::move(label), std::move(value));
      if (i < line.size() && line[i] == ',')
        ++i;
      else if (i < line.size() && line[i] != '}')
        return std::nullopt;
    }
    if (i >= line.size()) return std::nullopt;
    ++i;
  }
  if (i >= line.size() || (line[i] != ' ' && line[i] != '\t')) return std::nullopt;
  std::istringstream rest(line.substr(i));
  std::string timestamp, extra;
  rest >> s.value >> timestamp >> extra;
  if (s.value.empty() || !extra.empty()) return std::nullopt;
  return s;
}

std::optional<MetricContract> MetricContract::Parse(const std::string& yaml, std::string* error) {
  error->clear();
  MetricContract contract;
  try {
    YAML::Node root = YAML::Load(yaml);
    if (!root.IsMap() || !root["metrics"] || !root["metrics"].IsSequence()) {
      *error = "the contract has no `metrics` list";
      return std::nullopt;
    }
    std::set<std::string> names;
    for (const YAML::Node& entry : root["metrics"]) {
      auto m = ParseEntry(entry, error);
      if (!m) return std::nullopt;
      if (!names.insert(m->name).second) {
        *error = m->name + " is listed twice";
        return std::nullopt;
      }
      contract.metrics_.push_back(std::move(*m));
    }
  } catch (const YAML::Exception& e) {
    *error = e.what();
    return std::nullopt;
  }
  return contract;
}

std::optional<MetricContract> MetricContract::Load(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto contract = Parse(text.str(), error);
  if (!contract) *error = path + ": " + *error;
  return contract;
}

const MetricContract& MetricContract::Repository() {
  static const MetricContract contract = [] {
    std::string error;
    auto c = Load(USDCOP_METRICS_CONTRACT, &error);
    if (!c) {
      std::cerr << "the metric contract cannot be read: " << error << "\n";
      std::abort();
    }
    return std::move(*c);
  }();
  return contract;
}

const ContractMetric* MetricContract::Find(const std::string& name) const {
  for (const ContractMetric& m : metrics_)
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> MetricContract::Check(
    const std::string& exposition, const std::vector<std::string>& required_prefixes) const {
  std::vector<std::string> findings;
  std::map<std::string, std::string> types;  // family -> its TYPE
  std::set<std::string> reported;            // families already reported for their labels
  std::set<std::string> series;
  std::set<std::string> present;  // families with at least one series
  std::istringstream in(exposition);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream fields(line.substr(7));
      std::string name, type;
      fields >> name >> type;
      if (types.count(name)) findings.push_back(name + ": TYPE given twice");
      types[name] = type;
      const ContractMetric* m = Find(name);
      if (!m)
        findings.push_back(name + ": not in the metric contract (" USDCOP_METRICS_CONTRACT ")");
      else if (m->type != type)
        findings.push_back(name + ": type " + type + ", the contract says " + m->type);
      continue;
    }
    if (line[0] == '#') continue;
    auto sample = ParseSampleLine(line);
    if (!sample) {
      findings.push_back("line " + std::to_string(number) + " does not parse: " + line);
      continue;
    }
    if (!series.insert(SeriesKey(*sample)).second)
      findings.push_back("series given twice: " + line);
    std::string suffix;
    auto family = FamilyOf(sample->name, types, &suffix);
    if (!family) {
      if (reported.insert(sample->name).second)
        findings.push_back(sample->name + ": a series without a TYPE line");
      continue;
    }
    present.insert(*family);
    const ContractMetric* m = Find(*family);
    if (!m) continue;  // reported at its TYPE line
    std::vector<std::string> want = m->labels;
    if (types[*family] == "histogram" && suffix == "_bucket") want.push_back("le");
    if (types[*family] == "summary" && suffix.empty()) want.push_back("quantile");
    std::vector<std::string> got;
    for (const auto& [name, value] : sample->labels) got.push_back(name);
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    if (got != want && reported.insert(*family).second)
      findings.push_back(*family + ": labels {" + Join(got) + "}, the contract says {" +
                         Join(m->labels) + "} (first: " + line + ")");
  }
  for (const std::string& prefix : required_prefixes) {
    bool any = false;
    for (const ContractMetric& m : metrics_) {
      if (m.name.rfind(prefix, 0) != 0) continue;
      any = true;
      if (!present.count(m.name)) findings.push_back(m.name + ": in the contract but absent");
    }
    if (!any) findings.push_back("no metric of the contract starts with " + prefix);
  }
  return findings;
}

std::string CheckContract(const std::string& exposition,
                          const std::vector<std::string>& required_prefixes) {
  std::string out;
  for (const std::string& f : MetricContract::Repository().Check(exposition, required_prefixes))
    out += f + "\n";
  return out;
}

}  // namespace usdcop::testing
