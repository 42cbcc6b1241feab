// The market_data probe's result as the control API shows it.
#include <nlohmann/json.hpp>

#include "probes/market_data/market_data_kind.h"
#include "probes/view_json.h"

namespace usdcop {
namespace {

using nlohmann::json;
using view_json::AgeOf;
using view_json::ArrayOf;
using view_json::Opt;

json WindowJson(const WindowStats& w) {
  json outliers = json::object();
  for (const auto& [flaw, n] : w.flaws) outliers[std::string(BarFlawName(flaw))] = n;
  return {{"expected", w.expected},
          {"observed", w.observed},
          {"completeness_ratio", w.completeness()},
          {"missing", w.missing},
          {"gaps", w.gaps},
          {"largest_gap_seconds", w.largest_gap_seconds},
          {"duplicates", w.duplicates},
          {"outliers", outliers}};
}

json SymbolJson(const SymbolResult& s, double now) {
  json windows = json::object();
  for (const WindowStats& w : s.windows) windows[w.window] = WindowJson(w);
  return {{"symbol", s.symbol},
          {"last_bar", Opt(s.last_bar)},
          {"last_bar_age_seconds", AgeOf(s.last_bar, now)},
          {"staleness_seconds", Opt(s.staleness)},
          {"windows", windows}};
}

}  // namespace

json MarketDataKind::View(const MarketDataResult& result, double now) {
  return {{"symbols",
           ArrayOf(result.symbols, [now](const SymbolResult& s) { return SymbolJson(s, now); })}};
}

}  // namespace usdcop
