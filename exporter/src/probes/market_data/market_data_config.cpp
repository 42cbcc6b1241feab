// probes.market_data: where the L0 bars are, which symbols and windows, and the thresholds of
// what counts as late or an outlier.
#include <set>

#include "config/sections.h"
#include "probes/market_data/market_data_kind.h"
#include "sources/bar_source.h"

namespace usdcop {
namespace {

void ParseSource(FieldReader& r, const YAML::Node& node, const std::string& path,
                 MarketDataProbeConfig& m) {
  if (!r.Map(node, path, {"sqlite", "postgres", "password_file", "password_env", "password"}) ||
      !node.IsMap())
    return;
  if (node["sqlite"].IsDefined() == node["postgres"].IsDefined()) {
    r.Error(node, path, "give exactly one of sqlite or postgres");
    return;
  }
  if (node["sqlite"].IsDefined()) {
    m.sqlite_path = r.FilePath(node, path, "sqlite", true).value_or("");
    if (node["password_file"].IsDefined() || node["password_env"].IsDefined())
      r.Error(node, Join(path, "password_file"), "is for postgres only");
    return;
  }
  m.postgres_conninfo = r.String(node, path, "postgres", true).value_or("");
  if (m.postgres_conninfo.find("password") != std::string::npos)
    r.Error(node["postgres"], Join(path, "postgres"),
            "holds a password: give it as password_file or password_env instead");
  m.postgres_password = r.SecretField(node, path, "password", false).value_or(Secret());
}

std::string Column(FieldReader& r, const YAML::Node& node, const std::string& path, const char* key,
                   const std::string& fallback) {
  auto name = r.String(node, path, key);
  if (!name) return fallback;
  if (!IsSqlIdentifier(*name)) {
    r.Error(node[key], Join(path, key),
            "\"" + *name + "\" is not a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*)");
    return fallback;
  }
  return *name;
}

// With `columns`, the table has exactly the listed columns (time and symbol default).
void ParseColumns(FieldReader& r, const YAML::Node& node, const std::string& path,
                  BarTableConfig& t) {
  if (!node.IsDefined()) return;
  if (!r.Map(node, path,
             {"time", "symbol", "open", "high", "low", "close", "price", "ingested_at"}) ||
      !node.IsMap())
    return;
  t.time = Column(r, node, path, "time", "time");
  t.symbol = Column(r, node, path, "symbol", "symbol");
  t.open = Column(r, node, path, "open", "");
  t.high = Column(r, node, path, "high", "");
  t.low = Column(r, node, path, "low", "");
  t.close = Column(r, node, path, "close", "");
  t.price = Column(r, node, path, "price", "");
  t.ingested_at = Column(r, node, path, "ingested_at", "");
  if (t.close.empty() && t.price.empty()) r.Error(node, path, "needs close or price");
  int ohlc = !t.open.empty() + !t.high.empty() + !t.low.empty();
  if (ohlc != 0 && (ohlc != 3 || t.close.empty()))
    r.Error(node, path, "give open, high, low and close together (or only price)");
}

void ParseWindows(FieldReader& r, const YAML::Node& node, const std::string& path,
                  MarketDataProbeConfig& m) {
  if (!node.IsDefined() || !r.List(node, path)) return;
  m.windows.clear();
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string item = path + "[" + std::to_string(i) + "]";
    std::string word = node[i].IsScalar() ? node[i].Scalar() : "";
    auto span = ParseDuration(word);
    if (word != "session" && (!span || span->count() == 0)) {
      r.Error(node[i], item, "\"" + word + "\" is not session or a duration (e.g. 7d)");
      continue;
    }
    if (!seen.insert(word).second)
      r.Error(node[i], item, "window \"" + word + "\" is listed twice");
    m.windows.push_back({word, word == "session" ? Duration(0) : *span});
  }
}

}  // namespace

std::optional<MarketDataProbeConfig> MarketDataKind::Parse(FieldReader& r, const YAML::Node& node,
                                                           const std::string& path) {
  if (!r.Map(node, path,
             {"interval", "timeout", "source", "table", "columns", "symbols", "windows", "lookback",
              "full_reread", "arrival_grace", "price_jump_k"}) ||
      !node.IsMap()) {
    if (node.IsNull())
      r.Error(node, Join(path, "source"),
              "is required: {sqlite: /path/to/market.db} or {postgres: ...}");
    return std::nullopt;
  }
  MarketDataProbeConfig m;
  m.interval = r.Dur(node, path, "interval").value_or(m.interval);
  m.timeout = r.Dur(node, path, "timeout").value_or(m.timeout);
  CheckTimeoutBelowInterval(r, node, path, m.interval, m.timeout);
  if (node["source"].IsDefined())
    ParseSource(r, node["source"], Join(path, "source"), m);
  else
    r.Error(node, Join(path, "source"),
            "is required: {sqlite: /path/to/market.db} or {postgres: \"host=... dbname=... "
            "user=...\"}");
  if (auto table = r.String(node, path, "table")) {
    if (!IsSqlIdentifier(*table, true))
      r.Error(node["table"], Join(path, "table"),
              "\"" + *table + "\" is not a SQL identifier ([schema.]table)");
    else
      m.table.table = *table;
  }
  ParseColumns(r, node["columns"], Join(path, "columns"), m.table);
  if (node["symbols"].IsDefined() && r.List(node["symbols"], Join(path, "symbols"))) {
    m.symbols.clear();
    for (size_t i = 0; i < node["symbols"].size(); ++i)
      if (node["symbols"][i].IsScalar() && !node["symbols"][i].Scalar().empty())
        m.symbols.push_back(node["symbols"][i].Scalar());
      else
        r.Error(node["symbols"][i], Join(path, "symbols") + "[" + std::to_string(i) + "]",
                "is not a symbol (e.g. USD/COP)");
    if (node["symbols"].size() == 0)
      r.Error(node["symbols"], Join(path, "symbols"),
              "is empty: name at least one symbol (e.g. [USD/COP])");
  }
  ParseWindows(r, node["windows"], Join(path, "windows"), m);
  m.lookback = r.Dur(node, path, "lookback").value_or(m.lookback);
  if (auto every = r.Dur(node, path, "full_reread", false, true)) {
    if (every->count() > 0 && *every < m.interval)
      r.Error(node["full_reread"], Join(path, "full_reread"),
              "is shorter than interval: every run would read the whole window (e.g. 1h, or 0s "
              "for never)");
    m.full_reread = *every;
  }
  m.arrival_grace = r.Dur(node, path, "arrival_grace", false, true).value_or(m.arrival_grace);
  if (auto k = r.String(node, path, "price_jump_k")) {
    char* end = nullptr;
    double v = std::strtod(k->c_str(), &end);
    if (end == k->c_str() || *end != '\0' || v <= 0 || v > 1000)
      r.Error(node["price_jump_k"], Join(path, "price_jump_k"),
              "\"" + *k + "\" is not a number above 0 (e.g. 8)");
    else
      m.price_jump_k = v;
  }
  return m;
}

}  // namespace usdcop
