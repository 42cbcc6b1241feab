#include "probes/ready_signal/ready_signal_probe.h"

#include "common/json_file.h"
#include "probes/market_data/market_data_probe.h"
#include "sources/websocket_status.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace usdcop {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
// A time field as Unix seconds: RFC 3339 text or a number.
std::optional<double> TimeOf(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  return JsonTime(*it);
}

double MtimeSeconds(const fs::path& path) {
  std::error_code ec;
  auto t = fs::last_write_time(path, ec);
  if (ec) return 0;
  auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration<double>(sys.time_since_epoch()).count();
}

// A signal of the configured type: it counts when ready or completed and not expired by `now`;
// its time is updated_at, else created_at, else `fallback` (the file's time).
void Consider(const std::string& state, std::optional<double> updated,
              std::optional<double> created, std::optional<double> expires, double fallback,
              double now, ReadySignalResult& out) {
  if (state != "ready" && state != "completed") return;
  if (expires && *expires <= now) return;
  const double when = updated.value_or(created.value_or(fallback));
  out.present = true;
  out.timestamp = std::max(out.timestamp.value_or(when), when);
}

}  // namespace

Status ParseFlagFile(const json& j, const std::string& name, FlagFile& out) {
  auto ready = j.find("ready");
  if (ready == j.end() || !ready->is_boolean())
    return Status(Reason::kParse, name + ": no boolean \"ready\"");
  out.ready = ready->get<bool>();
  out.timestamp = TimeOf(j, "timestamp");
  if (j.contains("timestamp") && !out.timestamp)
    return Status(Reason::kParse, name + ": \"timestamp\" is not an RFC 3339 time");
  return Status::Ok();
}

SignalFile ParseSignalFile(const json& j) {
  // Not json::value(key, std::string()), which throws for a value of another type: one such file
  // failed the whole run (an "internal" exception) instead of being a signal of no type.
  auto text = [&j](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  return SignalFile{text("signal_type"), text("status"), TimeOf(j, "updated_at"),
                    TimeOf(j, "created_at"), TimeOf(j, "expires_at")};
}

ProbeOutcome ReadySignalProbe::Run(const ProbeContext& ctx) {
  ReadySignalResult result;
  Status s = !config_.flag_file.empty()    ? ReadFlagFile(result)
             : !config_.signal_dir.empty() ? ReadSignalDir(ctx, result)
                                           : ReadSignalTable(ctx, result);
  if (config_.handover) MergeInto(s, ReadHandover(ctx, result));
  return ProbeOutcome{s, result};
}

Status ReadySignalProbe::ReadHandover(const ProbeContext& ctx, ReadySignalResult& out) {
  const HandoverConfig& h = *config_.handover;
  auto status = FetchWebSocketStatus(http_, h.status_url, "",
                                     "probes.ready_signal.handover.status_url", ctx.deadline);
  if (!status.ok()) return status.status();
  auto published = PublishedBar(*status, h.last_bar_field);
  if (!published.ok()) return published.status();
  if (!bars_) return Status(Reason::kInternal, "handover: no bar source");
  auto newer = bars_->BarsNewerThan(h.symbol, *published, ctx.deadline);
  if (!newer.ok()) return Status(newer.status().reason(), "handover: " + newer.status().message());
  HandoverResult handover;
  handover.last_published_bar = *published;
  handover.pending_bars = newer->bars;
  if (newer->newest) handover.lag_seconds = std::max(0.0, *newer->newest - *published);
  out.handover = handover;
  return Status::Ok();
}

Status ReadySignalProbe::ReadFlagFile(ReadySignalResult& out) const {
  std::error_code ec;
  if (!fs::exists(config_.flag_file, ec)) return Status::Ok();  // no signal: present 0
  auto j = ReadJsonObject(config_.flag_file);
  if (!j.ok()) return j.status();
  FlagFile flag;
  Status parsed = ParseFlagFile(*j, config_.flag_file, flag);
  out.present = flag.ready;
  if (!parsed.ok()) return parsed;
  out.timestamp = flag.timestamp.value_or(MtimeSeconds(config_.flag_file));
  return Status::Ok();
}

Status ReadySignalProbe::ReadSignalDir(const ProbeContext& ctx, ReadySignalResult& out) const {
  const double now = ToUnixSeconds(ctx.clock.Now());
  Status status;
  for (const char* sub : {"active", "completed"}) {
    const fs::path dir = fs::path(config_.signal_dir) / sub;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (ctx.deadline.Expired())
        return Status(Reason::kTimeout, config_.signal_dir + ": too many signals to read in time");
      if (entry.path().extension() != ".json") continue;
      auto j = ReadJsonObject(entry.path().string());
      if (!j.ok()) {
        if (status.ok()) status = j.status();  // one unreadable signal does not hide the others
        continue;
      }
      const SignalFile signal = ParseSignalFile(*j);
      if (signal.signal_type != config_.signal_type) continue;
      Consider(signal.status, signal.updated_at, signal.created_at, signal.expires_at,
               MtimeSeconds(entry.path()), now, out);
    }
  }
  return status;
}

Status ReadySignalProbe::ReadSignalTable(const ProbeContext& ctx, ReadySignalResult& out) {
  if (!bars_) return Status(Reason::kInternal, "signal table: no database source");
  // The newest signals suffice: an older one can only be the newest live one if every newer
  // one has expired, and a pipeline keeps few signals alive at a time.
  constexpr int kNewest = 100;
  auto rows = bars_->ReadySignals(config_.signal_table, config_.signal_type, kNewest, ctx.deadline);
  if (!rows.ok()) return Status(rows.status().reason(), "signal table: " + rows.status().message());
  const double now = ToUnixSeconds(ctx.clock.Now());
  for (const SignalRow& row : *rows)
    Consider(row.status, row.updated_at, row.created_at, row.expires_at, 0, now, out);
  return Status::Ok();
}

std::shared_ptr<Probe> ReadySignalKind::Build(const Config& config, const ProbeConfigs& all,
                                              const ProbeDeps& deps) {
  // The config loader guarantees probes.market_data when either needs the database.
  std::unique_ptr<BarSource> bars;
  const auto& market_data = all.Get<MarketDataKind>();
  if ((config.handover || !config.signal_table.empty()) && market_data)
    bars = MakeBarSource(*market_data);
  return std::make_shared<ReadySignalProbe>(config, deps.http, std::move(bars));
}

}  // namespace usdcop
