#include "probes/backups/backups_probe.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "backup/set_files.h"
#include "common/units.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
constexpr const char* kBackupsNamespace = "backups";

struct SetDir {
  double time;
  fs::path path;
};

}  // namespace

BackupsProbe::BackupsProbe(BackupsProbeConfig config,
                           std::shared_ptr<const TradingCalendar> calendar, StateStore& store,
                           const Clock& clock, Logger& log)
    : config_(std::move(config)),
      calendar_(std::move(calendar)),
      store_(store),
      cache_(store),
      clock_(clock),
      log_(log) {
  if (config_.max_bytes_per_second > 0)
    limiter_ = std::make_unique<ByteRateLimiter>(config_.max_bytes_per_second);
}

ProbeOutcome BackupsProbe::Run(const ProbeContext& ctx) {
  BackupsResult result;
  Status status;
  for (const BackupLayerConfig& layer : config_.layers) {
    BackupLayerResult out;
    out.layer = layer.layer;
    out.max_age_seconds = ToSeconds(layer.max_age.count() > 0 ? layer.max_age : layer.cadence);
    Status s = RunLayer(layer, ctx, out);
    if (!s.ok()) MergeInto(status, Status(s.reason(), layer.layer + ": " + s.message()));
    result.layers.push_back(std::move(out));
  }
  return ProbeOutcome{status, std::move(result)};
}

Status BackupsProbe::RunLayer(const BackupLayerConfig& layer, const ProbeContext& ctx,
                              BackupLayerResult& out) {
  LayerState& state = layers_[layer.layer];
  if (!state.verifier) state.verifier = std::make_unique<SetVerifier>(&cache_, clock_, &log_);
  if (!state.loaded) {
    auto stored = store_.Get(kBackupsNamespace, layer.layer);
    if (!stored.ok()) return stored.status();  // without it the counter would restart at 0
    if (stored->has_value()) {
      auto j = nlohmann::json::parse(**stored, nullptr, false);
      if (j.is_object()) state.verified_bytes_total = j.value("verified_bytes_total", 0.0);
    }
    state.loaded = true;
  }
  out.verified_bytes_total = state.verified_bytes_total;
  out.last_verification = state.last_verification;

  // The sets: directories named by their UTC time (a symlinked set does not count).
  std::vector<SetDir> sets;
  std::error_code ec;
  fs::directory_iterator it(layer.path, ec), end;
  if (ec)
    return Status(Reason::kIo,
                  layer.path + ": " + ec.message() + " (check probes.backups.layers[].path)");
  for (; it != end; it.increment(ec)) {
    if (ctx.deadline.Expired())
      return Status(Reason::kTimeout, layer.path + ": listing the sets took past the deadline");
    auto time = BackupSetTime(it->path().filename().string());
    std::error_code type_ec;
    if (time && it->symlink_status(type_ec).type() == fs::file_type::directory)
      sets.push_back({*time, it->path()});
  }
  if (ec) return Status(Reason::kIo, layer.path + ": " + ec.message());
  out.listed = true;
  if (sets.empty()) return Status::Ok();  // present 0: the alert's business, not a probe failure
  std::sort(sets.begin(), sets.end(),
            [](const SetDir& a, const SetDir& b) { return a.time < b.time; });
  out.oldest_timestamp = sets.front().time;
  out.newest_timestamp = sets.back().time;

  std::vector<double> complete;
  for (const SetDir& s : sets)
    if (HasManifest(s.path)) complete.push_back(s.time);
  out.present = !complete.empty();
  const double now = ToUnixSeconds(ctx.clock.Now());
  out.gaps = Gaps(layer, complete, now);

  // The newest set, file by file.
  const std::string newest = sets.back().path.string();
  VerifyOptions options{ctx.deadline, config_.full_reverify, limiter_.get()};
  SetVerification v = state.verifier->Verify(layer.path, newest, options);
  state.verified_bytes_total += static_cast<double>(v.bytes_hashed);
  out.verified_bytes_total = state.verified_bytes_total;
  out.newest_files = v.files_listed;
  out.newest_size_bytes = v.total_bytes;
  out.failures = v.failures;
  if (v.complete || v.total_failures() > 0) out.integrity_ok = v.intact();
  if (v.complete) {
    state.last_verification = now;
    out.last_verification = now;
    if (state.last_verified_set != newest) {
      // The older sets' digests are of no more use: only the newest set is checked.
      Status retained = cache_.Retain(fs::canonical(layer.path, ec).string(),
                                      {fs::canonical(newest, ec).string()});
      if (!retained.ok())
        log_.Warn("backup verification cache",
                  {{"layer", layer.layer}, {"err", retained.message()}});
      state.last_verified_set = newest;
    }
  }
  if (v.bytes_hashed > 0) {
    Status saved =
        store_.Put(kBackupsNamespace, layer.layer,
                   nlohmann::json{{"verified_bytes_total", state.verified_bytes_total}}.dump());
    if (!saved.ok()) MergeInto(v.status, saved);
  }
  // Each finding is logged when it first shows, not again every run.
  std::string findings = newest;
  for (const IntegrityFailure& f : v.details)
    findings += "|" + f.path + ":" + std::string(IntegrityReasonName(f.reason));
  if (findings != state.logged_findings) {
    for (const IntegrityFailure& f : v.details)
      log_.Warn("backup integrity", {{"layer", layer.layer},
                                     {"set", newest},
                                     {"file", f.path},
                                     {"reason", std::string(IntegrityReasonName(f.reason))},
                                     {"detail", f.detail}});
    state.logged_findings = std::move(findings);
  }
  if (!v.status.ok()) return v.status;
  if (!v.complete)
    return Status(Reason::kTimeout,
                  newest + ": the check did not finish in time; it carries on next run");
  return Status::Ok();
}

std::int64_t BackupsProbe::Gaps(const BackupLayerConfig& layer,
                                const std::vector<double>& complete_sets, double now) const {
  const double cadence = ToSeconds(layer.cadence);
  const double retention = ToSeconds(layer.retention);
  auto period = [cadence](double t) { return static_cast<std::int64_t>(std::floor(t / cadence)); };
  // From the oldest set kept (within the retention window) to the last period that has ended.
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::vector<std::int64_t> have;
  for (double t : complete_sets) {
    if (t < now - retention) continue;
    first = std::min(first, period(t));
    have.push_back(period(t));
  }
  const std::int64_t last = period(now) - 1;
  if (first > last) return 0;
  std::sort(have.begin(), have.end());
  std::int64_t gaps = 0;
  for (std::int64_t p = first; p <= last; ++p) {
    if (std::binary_search(have.begin(), have.end(), p)) continue;
    if (layer.trading_days_only) {
      const SysTime start{std::chrono::microseconds(
          static_cast<long long>(static_cast<double>(p) * cadence * 1e6))};
      if (!calendar_->IsTradingDay(calendar_->LocalDay(start))) continue;
    }
    gaps++;
  }
  return gaps;
}

std::shared_ptr<Probe> BackupsKind::Build(const Config& config, const ProbeConfigs& /*all*/,
                                          const ProbeDeps& deps) {
  return std::make_shared<BackupsProbe>(config, deps.calendar, deps.store, deps.clock, deps.log);
}

}  // namespace usdcop
