#include "probes/market_data/market_data_probe.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/units.h"
#include "sources/postgres_bar_source.h"
#include "sources/sqlite_bar_source.h"

namespace usdcop {
namespace {

using nlohmann::json;
constexpr const char* kMarketDataNamespace = "market_data";

}  // namespace

void LatencyHistogram::Observe(double v) {
  for (size_t i = 0; i < std::size(kBounds); ++i)
    if (v <= kBounds[i]) counts[i]++;
  count++;
  sum += v;
}

MarketDataProbe::MarketDataProbe(MarketDataProbeConfig config,
                                 std::shared_ptr<const TradingCalendar> calendar,
                                 std::unique_ptr<BarSource> source, StateStore& store)
    : config_(std::move(config)),
      calendar_(std::move(calendar)),
      source_(std::move(source)),
      store_(store) {}

Duration MarketDataProbe::Keep() const {
  Duration longest =
      std::chrono::hours(24 * 8);  // the session window reaches back over a long weekend
  for (const auto& w : config_.windows) longest = std::max(longest, w.span);
  return longest + std::chrono::hours(24);
}

ProbeOutcome MarketDataProbe::Run(const ProbeContext& ctx) {
  MarketDataResult result;
  Status status;
  for (const std::string& symbol : config_.symbols) {
    SymbolResult out;
    out.symbol = symbol;
    Status s = RunSymbol(symbol, ctx, out);
    if (!s.ok()) MergeInto(status, Status(s.reason(), symbol + ": " + s.message()));
    result.symbols.push_back(std::move(out));
  }
  return ProbeOutcome{status, std::move(result)};
}

Status MarketDataProbe::Load(const std::string& symbol, SymbolState& state) {
  auto stored = store_.Get(kMarketDataNamespace, symbol);
  if (!stored.ok()) return stored.status();
  state.loaded = true;
  if (!stored->has_value()) return Status::Ok();
  json j = json::parse(**stored, nullptr, false);
  if (!j.is_object() || !j.contains("tracker") || !state.tracker.FromJson(j["tracker"].dump()))
    return Status::Ok();
  state.ingested_total = j.value("ingested_total", 0.0);
  auto counts = j.value("latency_counts", std::vector<std::uint64_t>());
  if (counts.size() == state.latency.counts.size()) state.latency.counts = counts;
  state.latency.count = j.value("latency_count", std::uint64_t{0});
  state.latency.sum = j.value("latency_sum", 0.0);
  return Status::Ok();
}

Status MarketDataProbe::Save(const std::string& symbol, const SymbolState& state) {
  json j{{"tracker", json::parse(state.tracker.ToJson())},
         {"ingested_total", state.ingested_total},
         {"latency_counts", state.latency.counts},
         {"latency_count", state.latency.count},
         {"latency_sum", state.latency.sum}};
  return store_.Put(kMarketDataNamespace, symbol, j.dump());
}

Status MarketDataProbe::RunSymbol(const std::string& symbol, const ProbeContext& ctx,
                                  SymbolResult& out) {
  SymbolState& state =
      states_
          .try_emplace(
              symbol,
              SymbolState{nullptr, IngestTracker(ToSeconds(config_.lookback)), 0, {}, false})
          .first->second;
  if (!state.loaded) {
    Status s = Load(symbol, state);
    if (!s.ok()) return s;  // without the watermark every row would count as new
  }
  // The counters as they stand, so that a failed read below keeps them (a 0 would be a reset).
  out.counters_known = true;
  out.ingested_total = state.ingested_total;
  out.ingest_latency = state.latency;
  const SysTime now = ctx.clock.Now();
  // The whole window: the first time, and every full_reread (the incremental reads below see
  // neither a row deleted nor one edited in place).
  const bool whole = state.book == nullptr || (config_.full_reread > Duration(0) &&
                                               now - state.read_whole_at >= config_.full_reread);
  Result<std::vector<BarRow>> rows =
      whole ? source_->RowsFromTime(symbol, ToUnixSeconds(now - Keep()), ctx.deadline)
            : source_->RowsAfterMark(symbol,
                                     state.tracker.ReadFrom().value_or(ToUnixSeconds(now - Keep())),
                                     ctx.deadline);
  if (!rows.ok()) return rows.status();
  // Until a first row sets the watermark, every row read is the baseline: kept, not counted.
  const bool baseline = !state.tracker.watermark();
  const bool cold = state.book == nullptr;
  std::vector<BarRow> fresh = state.tracker.Observe(*rows);
  if (whole) {
    state.book = std::make_unique<BarBook>(calendar_, Keep());
    state.read_whole_at = now;
    if (!cold)
      ctx.log.Debug("market data window read whole again",
                    {{"symbol", symbol}, {"rows", std::to_string(rows->size())}});
  }
  if (whole || baseline) {
    for (const BarRow& r : *rows) state.book->Add(r);
  } else {
    for (const BarRow& r : fresh) state.book->Add(r);
  }
  const double interval = ToSeconds(calendar_->bar_interval());
  for (const BarRow& r : fresh) {
    state.ingested_total += 1;
    if (r.ingested_at) state.latency.Observe(std::max(0.0, *r.ingested_at - (r.time + interval)));
  }
  state.book->Prune(now);
  Status saved = (fresh.empty() && !cold) ? Status::Ok() : Save(symbol, state);

  const Duration grace = config_.arrival_grace;
  for (const auto& w : config_.windows) {
    if (w.span != Duration(0)) {
      out.windows.push_back(
          state.book->Window(w.name, now - w.span, now, grace, config_.price_jump_k));
      continue;
    }
    // The current session so far, or the last one whole (measured as at its close).
    auto session = calendar_->CurrentOrLastSession(now);
    SysTime from = session ? session->first_bar : now;
    SysTime as_of = session ? std::min(now, session->end + grace) : now;
    out.windows.push_back(state.book->Window(w.name, from, as_of, grace, config_.price_jump_k));
  }
  out.last_bar = state.book->LastBar();
  out.staleness = state.book->Staleness(now, grace);
  out.ingested_total = state.ingested_total;
  out.ingest_latency = state.latency;
  return saved;
}

std::unique_ptr<BarSource> MakeBarSource(const MarketDataProbeConfig& config) {
  if (config.postgres_conninfo.empty())
    return std::make_unique<SqliteBarSource>(config.sqlite_path, config.table);
  return std::make_unique<PostgresBarSource>(config.postgres_conninfo, config.postgres_password,
                                             config.table);
}

std::shared_ptr<Probe> MarketDataKind::Build(const Config& config, const ProbeConfigs& /*all*/,
                                             const ProbeDeps& deps) {
  return std::make_shared<MarketDataProbe>(config, deps.calendar, MakeBarSource(config),
                                           deps.store);
}

}  // namespace usdcop
