#include "backups/writer.h"

#include <algorithm>
#include <cctype>
#include <system_error>
#include <thread>

#include "common/units.h"
#include "shared/log.h"

namespace usdcop::sim {
namespace {

namespace fs = std::filesystem;

constexpr auto kWriterTick = std::chrono::seconds(1);
constexpr size_t kRecentFaults = 20;
constexpr int kCreateAttempts = 3;  // seconds

std::string LowerCase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string Seconds(std::chrono::seconds d) {
  return FormatDuration(std::chrono::duration_cast<Duration>(d));
}

nlohmann::json StringOrNull(const std::string& text) {
  return text.empty() ? nlohmann::json() : nlohmann::json(text);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

nlohmann::json DescribeFaultApplied(const BackupFaultApplied& applied) {
  return {{"fault", kBackupFaultNames[applied.fault]},
          {"layer", StringOrNull(applied.layer)},
          {"set", StringOrNull(applied.set)},
          {"file", StringOrNull(applied.file)},
          {"detail", applied.detail}};
}

BackupWriter::BackupWriter(BackupSettings settings)
    : settings_(std::move(settings)),
      file_names_(DataFileNames(settings_.files)),
      layers_(LayersOf(settings_)),
      states_(layers_.size()) {}

std::vector<BackupWriter::Layer> BackupWriter::LayersOf(const BackupSettings& settings) {
  std::vector<Layer> layers;
  for (const std::string& name : settings.layers) {
    layers.push_back(Layer{.name = name, .dir = settings.root / LowerCase(name)});
  }
  return layers;
}

BackupWriter::~BackupWriter() { Stop(std::chrono::seconds(5)); }

Time BackupWriter::PeriodStart(Time t) const {
  auto since_epoch = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch();
  return Time(since_epoch - since_epoch % settings_.cadence);
}

void BackupWriter::Init() {
  Time now = Now();
  {
    MutexLock io(io_mu_);
    for (size_t i = 0; i < layers_.size(); ++i) {
      std::error_code ec;
      fs::create_directories(layers_[i].dir, ec);
      if (ec) {
        NoteError(i, "cannot create " + layers_[i].dir.string() + ": " + ec.message());
        continue;
      }
      if (int removed = RemoveLeftovers(layers_[i].dir); removed > 0) {
        Log("backups: " + layers_[i].name + ": removed " + std::to_string(removed) +
            " unfinished set(s) of an earlier run");
      }
      Prune(i);
      Backfill(i, now);
    }
  }
  MutexLock lock(mu_);
  next_period_ = PeriodStart(now) + settings_.cadence;
  Log("backups: " + JoinNames(settings_.layers) + " to " + settings_.root.string() + " every " +
      Seconds(settings_.cadence) + " (" + std::string(ManifestFormatName(settings_.format)) + ", " +
      std::to_string(settings_.files) + " files of " + std::to_string(settings_.file_size) +
      " bytes, retention " + Seconds(settings_.retention) + "); next set " + SetName(next_period_));
}

void BackupWriter::Backfill(size_t layer, Time now) {
  const Time current = PeriodStart(now);
  int written = 0;
  for (int k = settings_.backfill - 1; k >= 0; --k) {
    Time period = current - settings_.cadence * k;
    if (period + settings_.retention < now) continue;  // retention would delete it at once
    std::error_code ec;
    if (fs::exists(layers_[layer].dir / SetName(period), ec)) continue;
    if (!WriteLayerSet(layer, period, period, /*backdate=*/true).ok()) break;
    ++written;
  }
  if (written > 0) {
    Log("backups: " + layers_[layer].name + ": " + std::to_string(written) + " set(s) backfilled");
  }
}

void BackupWriter::Start() {
  thread_.Start([this] { Loop(); });
}

bool BackupWriter::Stop(std::chrono::milliseconds budget) {
  {
    MutexLock lock(mu_);
    stop_ = true;
    cancel_ = true;
  }
  wake_.NotifyAll();
  return thread_.Join(budget);
}

void BackupWriter::Loop() {
  MutexLock lock(mu_);
  while (!stop_) {
    Time now = Now();
    if (now < next_period_) {
      Micros wait = std::min<Micros>(next_period_ - now, kWriterTick);
      const auto until = std::chrono::steady_clock::now() + wait;
      while (!stop_ && wake_.WaitUntil(mu_, until) == std::cv_status::no_timeout) {
      }
      continue;
    }
    // After a long stall (a suspended machine), the periods missed meanwhile stay missing.
    Time period = std::max(next_period_, PeriodStart(now));
    std::vector<bool> skip;
    for (LayerState& state : states_) {
      skip.push_back(state.skip_pending);
      if (state.skip_pending) ++state.sets_skipped;
      state.skip_pending = false;
    }
    next_period_ = period + settings_.cadence;
    lock.Unlock();
    WritePeriod(period, skip);
    lock.Lock();
  }
}

void BackupWriter::WritePeriod(Time period, const std::vector<bool>& skip) {
  for (size_t i = 0; i < layers_.size() && !cancel_; ++i) {
    if (skip[i]) {
      Log("backups: " + layers_[i].name + ": skip_period fault: set " + SetName(period) +
          " not written");
      continue;
    }
    MutexLock io(io_mu_);
    (void)WriteLayerSet(i, period, Now(), /*backdate=*/false);  // failures are noted
  }
}

Result<std::string> BackupWriter::WriteLayerSet(size_t layer, Time time, Time created_at,
                                                bool backdate) {
  const Layer& l = layers_[layer];
  const std::string name = SetName(time);
  std::error_code ec;
  if (fs::exists(l.dir / name, ec)) {
    return Conflict("set", "the set " + name + " exists already");
  }
  SetSpec spec{.layer = l.name,
               .time = time,
               .created_at = created_at,
               .backdate = backdate,
               .format = settings_.format,
               .files = file_names_,
               .file_size = settings_.file_size};
  if (Status written = WriteSet(l.dir, spec, cancel_); !written.ok()) {
    NoteError(layer, written.message());
    return written.error();
  }
  {
    MutexLock lock(mu_);
    ++states_[layer].sets_written;
  }
  Prune(layer);
  return name;
}

void BackupWriter::Prune(size_t layer) {
  const Time now = Now();
  int64_t deleted = 0;
  for (const std::string& name : ListSets(layers_[layer].dir)) {
    auto t = ParseSetName(name);
    if (!t || *t + settings_.retention >= now) continue;
    std::error_code ec;
    fs::remove_all(layers_[layer].dir / name, ec);
    if (ec) {
      NoteError(layer, "cannot delete the set " + name + ": " + ec.message());
    } else {
      ++deleted;
    }
  }
  MutexLock lock(mu_);
  states_[layer].sets_deleted += deleted;
}

Result<size_t> BackupWriter::FindLayer(const std::optional<std::string>& name) const {
  if (!name) return size_t{0};
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i].name == *name) return i;
  }
  return BadInput("layer",
                  "layer must be one of the backed-up layers: " + JoinNames(settings_.layers));
}

Result<BackupCreated> BackupWriter::Create(const std::optional<std::string>& layer) {
  auto index = FindLayer(layer);
  if (!index.ok()) return index.error();
  const Layer& l = layers_[index.value()];
  // The set of this second may be the scheduled one: then the next free second's, once it came.
  Time second = std::chrono::floor<std::chrono::seconds>(Now());
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt, second += std::chrono::seconds(1)) {
    std::this_thread::sleep_until(second);
    MutexLock io(io_mu_);
    auto written = WriteLayerSet(index.value(), second, Now(), /*backdate=*/false);
    if (!written.ok() && written.error().kind == ErrorKind::kConflict) continue;
    if (!written.ok()) return written.error();
    Log("backups: " + l.name + ": set " + written.value() + " written on request");
    return BackupCreated{.layer = l.name, .set = written.value(), .dir = l.dir / written.value()};
  }
  return Conflict(
      "set", "the sets of the last " + std::to_string(kCreateAttempts) + " seconds exist already");
}

Result<BackupFaultApplied> BackupWriter::ApplyFault(const BackupFaultRequest& request) {
  if (request.fault == BackupFault::kNone && !request.layer) {
    ClearFaults();
    Log("backups: faults cleared in every layer");
    return BackupFaultApplied{.fault = BackupFault::kNone, .detail = "skip_period cleared"};
  }
  auto index = FindLayer(request.layer);
  if (!index.ok()) return index.error();
  if (FaultChangesSet(request.fault)) return ChangeNewestSet(request, index.value());
  return ChangeNothing(request, index.value());
}

BackupFaultApplied BackupWriter::ChangeNothing(const BackupFaultRequest& request, size_t layer) {
  BackupFaultApplied applied{.fault = request.fault, .layer = layers_[layer].name};
  {
    MutexLock lock(mu_);
    bool skip = request.fault == BackupFault::kSkipPeriod;
    states_[layer].skip_pending = skip;
    if (skip) applied.set = SetName(next_period_);
  }
  if (request.fault == BackupFault::kNone) {
    applied.detail = "skip_period cleared";
    Log("backups: " + applied.layer + ": faults cleared");
    return applied;
  }
  applied.detail = "the next scheduled set is not written";
  NoteFault(layer, applied);
  return applied;
}

Result<BackupFaultApplied> BackupWriter::ChangeNewestSet(const BackupFaultRequest& request,
                                                         size_t layer) {
  MutexLock io(io_mu_);
  const Layer& l = layers_[layer];
  std::vector<std::string> sets = ListSets(l.dir);
  if (sets.empty()) {
    return Conflict("layer", "no backup set in " + l.dir.string() + " yet");
  }
  auto done = ApplySetFault(l.dir / sets.back(), request.fault, request.file, file_names_);
  if (!done.ok()) return done.error();
  BackupFaultApplied applied{.fault = request.fault,
                             .layer = l.name,
                             .set = sets.back(),
                             .file = done.value().file,
                             .detail = done.value().detail};
  NoteFault(layer, applied);
  return applied;
}

void BackupWriter::ClearFaults() {
  MutexLock lock(mu_);
  for (LayerState& state : states_) state.skip_pending = false;
}

void BackupWriter::NoteError(size_t layer, const std::string& error) {
  Log("backups: " + layers_[layer].name + ": " + error);
  MutexLock lock(mu_);
  LayerState& l = states_[layer];
  ++l.errors;
  l.last_error = error;
  l.last_error_at = Now();
}

void BackupWriter::NoteFault(size_t layer, const BackupFaultApplied& applied) {
  std::string name(kBackupFaultNames[applied.fault]);
  Log("backups: " + applied.layer + ": fault " + name + " on set " + applied.set +
      (applied.file.empty() ? "" : " file " + applied.file) + ": " + applied.detail);
  MutexLock lock(mu_);
  LayerState& l = states_[layer];
  ++l.faults_applied;
  nlohmann::json record = DescribeFaultApplied(applied);
  record.erase("layer");
  record["at"] = FormatIsoZ(Now());
  l.recent_faults.push_back(std::move(record));
  if (l.recent_faults.size() > kRecentFaults) l.recent_faults.pop_front();
}

nlohmann::json BackupWriter::DescribeLayer(const Layer& layer, const LayerState& l,
                                           const std::vector<std::string>& sets) const {
  return {{"dir", layer.dir.string()},
          {"cadence", Seconds(settings_.cadence)},
          {"format", ManifestFormatName(settings_.format)},
          {"sets", sets},
          {"set_count", sets.size()},
          {"newest_set", StringOrNull(sets.empty() ? "" : sets.back())},
          {"sets_written", l.sets_written},
          {"sets_skipped", l.sets_skipped},
          {"sets_deleted", l.sets_deleted},
          {"errors", l.errors},
          {"faults_applied", l.faults_applied},
          {"recent_faults", l.recent_faults},
          {"skip_pending", l.skip_pending},
          {"last_error", StringOrNull(l.last_error)},
          {"last_error_at",
           l.last_error_at ? nlohmann::json(FormatIsoZ(*l.last_error_at)) : nlohmann::json()}};
}

nlohmann::json BackupWriter::Describe() const {
  std::vector<std::vector<std::string>> sets;
  for (const Layer& l : layers_) sets.push_back(ListSets(l.dir));  // no lock: dirs are fixed
  MutexLock lock(mu_);
  nlohmann::json layers = nlohmann::json::object();
  for (size_t i = 0; i < layers_.size(); ++i) {
    layers[layers_[i].name] = DescribeLayer(layers_[i], states_[i], sets[i]);
  }
  return {{"enabled", true},
          {"root", settings_.root.string()},
          {"cadence", Seconds(settings_.cadence)},
          {"cadence_seconds", settings_.cadence.count()},
          {"format", ManifestFormatName(settings_.format)},
          {"files", file_names_},
          {"file_size_bytes", settings_.file_size},
          {"backfill", settings_.backfill},
          {"retention", Seconds(settings_.retention)},
          {"retention_seconds", settings_.retention.count()},
          {"next_set", SetName(next_period_)},
          {"next_set_at", FormatIsoZ(next_period_)},
          {"layers", layers}};
}

}  // namespace usdcop::sim
