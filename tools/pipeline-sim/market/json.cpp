#include "market/json.h"

#include <cmath>

namespace usdcop::sim {
namespace {

constexpr size_t kMaxRows = 100000;
constexpr const char* kKeys[] = {"time",   "open",   "high",   "low",        "close",
                                 "volume", "symbol", "source", "created_at", "updated_at"};

// Reads the fields of one bar object; the first problem is kept.
class BarReader {
 public:
  BarReader(const json& item, size_t index)
      : item_(item), prefix_("bars[" + std::to_string(index) + "]") {}

  bool Fail(const std::string& key, const std::string& message) {
    if (!error_) {
      std::string field = prefix_ + (key.empty() ? "" : "." + key);
      error_ = BadInput(field, field + " " + message);
    }
    return false;
  }
  bool ok() const { return !error_.has_value(); }
  // Only meaningful when !ok().
  const Error& error() const { return *error_; }

  void RejectUnknown() {
    for (const auto& [key, value] : item_.items()) {
      bool known = false;
      for (const char* k : kKeys) known = known || key == k;
      if (!known) Fail(key, "is not a known field");
    }
  }

  std::optional<double> Number(const char* key) {
    auto it = item_.find(key);
    if (it == item_.end() || it->is_null()) return std::nullopt;
    if (it->is_number() && std::isfinite(it->get<double>())) return it->get<double>();
    Fail(key, "must be a number or null");
    return std::nullopt;
  }

  std::optional<std::string> String(const char* key) {
    auto it = item_.find(key);
    if (it == item_.end() || it->is_null()) return std::nullopt;
    if (it->is_string() && !it->get<std::string>().empty()) return it->get<std::string>();
    Fail(key, "must be a non-empty string");
    return std::nullopt;
  }

  std::optional<Time> TimeField(const char* key, bool required) {
    auto text = String(key);
    if (!text) {
      if (required && ok()) Fail(key, "is required");
      return std::nullopt;
    }
    auto t = ParseIsoTime(*text);
    if (!t) Fail(key, "must be an ISO 8601 time with a zone, e.g. 2026-11-24T13:05:00Z");
    return t;
  }

 private:
  const json& item_;
  const std::string prefix_;
  std::optional<Error> error_;
};

Result<BarRow> ParseBar(const json& item, size_t index, const std::string& symbol, Time now) {
  BarReader r(item, index);
  if (!item.is_object()) {
    r.Fail("", "must be an object");
    return r.error();
  }
  r.RejectUnknown();
  BarRow row;
  auto time = r.TimeField("time", true);
  row.open = r.Number("open");
  row.high = r.Number("high");
  row.low = r.Number("low");
  row.close = r.Number("close");
  row.volume = r.Number("volume");
  row.symbol = r.String("symbol").value_or(symbol);
  row.source = r.String("source").value_or("pipeline-sim");
  row.created_at = r.TimeField("created_at", false).value_or(now);
  row.updated_at = r.TimeField("updated_at", false);
  if (!r.ok()) return r.error();
  row.time = *time;
  return row;
}

}  // namespace

Result<std::vector<BarRow>> ParseBarsBody(const std::string& body, const std::string& symbol) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return BadInput("body", "the body must be a JSON object {\"bars\": [...]}");
  }
  for (const auto& [key, value] : parsed.items()) {
    if (key != "bars") return BadInput(key, "unknown field \"" + key + "\"");
  }
  auto bars = parsed.find("bars");
  if (bars == parsed.end() || !bars->is_array() || bars->empty() || bars->size() > kMaxRows) {
    return BadInput("bars", "\"bars\" must be a list of 1 to 100000 bars");
  }
  std::vector<BarRow> rows;
  Time now = Now();
  for (size_t i = 0; i < bars->size(); ++i) {
    auto row = ParseBar((*bars)[i], i, symbol, now);
    if (!row.ok()) return row.error();
    rows.push_back(std::move(row).value());
  }
  return rows;
}

}  // namespace usdcop::sim
