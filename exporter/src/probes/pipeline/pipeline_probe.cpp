#include "probes/pipeline/pipeline_probe.h"

#include "common/json_file.h"
#include "common/units.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

namespace usdcop {
namespace {

using nlohmann::json;
constexpr const char* kPipelineNamespace = "pipeline";

bool IsFinished(const DagRun& r) { return r.state == "success" || r.state == "failed"; }

std::string StateKey(const LayerConfig& l) {
  return l.layer + "/" + (l.dag_id.empty() ? "status_file" : l.dag_id);
}

// The newest run: a queued run (no start yet) first, then by start time.
const DagRun* Newest(const std::vector<DagRun>& runs) {
  const DagRun* newest = nullptr;
  for (const DagRun& r : runs) {
    if (newest == nullptr)
      newest = &r;
    else if (!r.start)
      return &r;
    else if (newest->start && *r.start > *newest->start)
      newest = &r;
  }
  return newest;
}

json ToJson(const PipelineProbe::LayerState& s) {
  json j{{"counted", s.counted},
         {"success", s.success},
         {"failed", s.failed},
         {"records", s.records},
         {"file_updated_at", s.file_updated_at}};
  if (s.last_success) j["last_success"] = *s.last_success;
  return j;
}

PipelineProbe::LayerState FromJson(const json& j) {
  PipelineProbe::LayerState s;
  s.counted = j.value("counted", std::set<std::string>());
  s.success = j.value("success", std::uint64_t{0});
  s.failed = j.value("failed", std::uint64_t{0});
  s.records = j.value("records", 0.0);
  s.file_updated_at = j.value("file_updated_at", std::string());
  if (j.contains("last_success") && j["last_success"].is_number())
    s.last_success = j["last_success"].get<double>();
  return s;
}

}  // namespace

const char* LayerStatusName(LayerStatus s) {
  switch (s) {
    case LayerStatus::kRunning:
      return "running";
    case LayerStatus::kCompleted:
      return "completed";
    case LayerStatus::kFailed:
      return "failed";
    case LayerStatus::kIdle:
      return "idle";
  }
  return "idle";
}

LayerStatus MapDagStatus(const std::vector<DagRun>& runs, std::optional<Duration> expected_every,
                         SysTime now) {
  const DagRun* newest = Newest(runs);
  if (newest == nullptr) return LayerStatus::kIdle;
  if (newest->state == "failed") return LayerStatus::kFailed;
  if (newest->state != "success") return LayerStatus::kRunning;  // queued, running, restarting...
  if (expected_every && newest->start && now - *newest->start > *expected_every)
    return LayerStatus::kIdle;
  return LayerStatus::kCompleted;
}

std::optional<LayerStatus> MapFileStatus(const std::string& status) {
  if (status == "running" || status == "queued") return LayerStatus::kRunning;
  if (status == "completed" || status == "success") return LayerStatus::kCompleted;
  if (status == "failed" || status == "error") return LayerStatus::kFailed;
  if (status == "idle") return LayerStatus::kIdle;
  return std::nullopt;
}

Result<StatusFile> ParseStatusFile(const json& j) {
  auto fail = [](const std::string& what) { return Status(Reason::kParse, what); };
  auto word = j.find("status");
  if (word == j.end() || !word->is_string()) return fail("no \"status\" string");
  auto mapped = MapFileStatus(word->get<std::string>());
  if (!mapped)
    return fail("status \"" + word->get<std::string>() +
                "\" is not running, completed, failed or idle");
  auto updated_at = j.find("updated_at");
  if (updated_at == j.end() || !updated_at->is_string()) return fail("no \"updated_at\" time");
  StatusFile file;
  file.status = *mapped;
  file.updated_text = updated_at->get<std::string>();
  auto updated = ParseTimestamp(file.updated_text);
  if (!updated) return fail("updated_at \"" + file.updated_text + "\" is not an ISO 8601 time");
  file.updated = *updated;
  if (auto records = j.find("records"); records != j.end()) {
    if (!records->is_number() || records->get<double>() < 0)
      return fail("records is not a non-negative number");
    file.records = records->get<double>();
  }
  return file;
}

PipelineProbe::PipelineProbe(PipelineProbeConfig config, HttpClient& http, StateStore& store)
    : config_(std::move(config)), store_(store) {
  if (config_.airflow) airflow_ = std::make_unique<AirflowClient>(*config_.airflow, http);
}

PipelineProbe::LayerState* PipelineProbe::StateOf(const LayerConfig& layer, Status& status) {
  std::string key = StateKey(layer);
  auto it = states_.find(key);
  if (it != states_.end()) return &it->second;
  auto stored = store_.Get(kPipelineNamespace, key);
  if (!stored.ok()) {
    // Counting from zero would count old runs again; count nothing until the store answers.
    MergeInto(status, stored.status());
    return nullptr;
  }
  LayerState state;
  if (stored->has_value()) {
    json j = json::parse(**stored, nullptr, false);
    if (j.is_object()) state = FromJson(j);
  }
  return &(states_[key] = std::move(state));
}

Status PipelineProbe::Save(const LayerConfig& layer, const LayerState& state) {
  return store_.Put(kPipelineNamespace, StateKey(layer), ToJson(state).dump());
}

ProbeOutcome PipelineProbe::Run(const ProbeContext& ctx) {
  PipelineResult result;
  Status status;
  if (airflow_) {
    auto health = airflow_->Health(ctx.deadline);
    if (health.ok()) {
      AirflowHealthResult h;
      for (const auto& c : health->components) h.components.push_back({c.name, c.healthy});
      if (health->scheduler_heartbeat)
        h.scheduler_heartbeat = ToUnixSeconds(*health->scheduler_heartbeat);
      result.airflow = std::move(h);
    } else {
      MergeInto(status,
                Status(health.status().reason(), "Airflow health: " + health.status().message()));
    }
  }
  for (const LayerConfig& layer : config_.layers) {
    LayerResult out;
    out.layer = layer.layer;
    out.dag_id = layer.dag_id;
    Status s = layer.dag_id.empty() ? RunFileLayer(layer, ctx, out) : RunDagLayer(layer, ctx, out);
    if (!s.ok()) MergeInto(status, Status(s.reason(), layer.layer + ": " + s.message()));
    result.layers.push_back(std::move(out));
  }
  return ProbeOutcome{status, std::move(result)};
}

Status PipelineProbe::RunDagLayer(const LayerConfig& layer, const ProbeContext& ctx,
                                  LayerResult& out) {
  Status status;
  LayerState* state = StateOf(layer, status);
  auto runs = airflow_->ListRuns(layer.dag_id, config_.runs_per_request, ctx.deadline);
  if (runs.ok()) {
    const SysTime now = ctx.clock.Now();
    out.current = true;
    out.status = MapDagStatus(*runs, layer.expected_every, now);
    const DagRun* newest = Newest(*runs);
    if (newest && newest->start) out.last_run_start = ToUnixSeconds(*newest->start);
    const DagRun* last_finished = nullptr;
    for (const DagRun& r : *runs) {
      if (!IsFinished(r) || !r.start || !r.end) continue;
      if (!last_finished || *r.end > *last_finished->end) last_finished = &r;
      if (r.state == "success" && state)
        state->last_success = std::max(state->last_success.value_or(0), ToUnixSeconds(*r.end));
    }
    if (last_finished)
      out.last_duration = ToSeconds(
          std::chrono::duration_cast<Duration>(*last_finished->end - *last_finished->start));
    if (state) MergeInto(status, CountFinishedRuns(layer, *runs, ctx, *state));
  } else {
    MergeInto(status, runs.status());
  }
  if (!state) return status;
  out.last_success = state->last_success;
  out.runs_success = state->success;
  out.runs_failed = state->failed;
  if (layer.records_xcom) out.records = state->records;
  return status;
}

Status PipelineProbe::CountFinishedRuns(const LayerConfig& layer, const std::vector<DagRun>& runs,
                                        const ProbeContext& ctx, LayerState& state) {
  Status status;
  std::set<std::string> counted;
  bool changed = false;
  for (const DagRun& r : runs) {
    if (!IsFinished(r)) continue;
    if (state.counted.count(r.run_id)) {
      counted.insert(r.run_id);
      continue;
    }
    std::optional<double> records;
    if (layer.records_xcom && r.state == "success" && status.ok()) {
      auto x = airflow_->XcomNumber(layer.dag_id, r.run_id, *layer.records_xcom, ctx.deadline);
      if (!x.ok()) {
        MergeInto(status, x.status());  // leave the run uncounted: the next run tries again
        continue;
      }
      records = *x;
    } else if (layer.records_xcom && r.state == "success") {
      continue;  // an earlier fetch failed this run; don't count without its records
    }
    (r.state == "success" ? state.success : state.failed) += 1;
    state.records += records.value_or(0);
    counted.insert(r.run_id);
    changed = true;
  }
  changed = changed || counted != state.counted;
  state.counted = std::move(counted);
  if (changed) MergeInto(status, Save(layer, state));
  return status;
}

Status PipelineProbe::RunFileLayer(const LayerConfig& layer, const ProbeContext& ctx,
                                   LayerResult& out) {
  Status status;
  LayerState* stored = StateOf(layer, status);
  if (!stored) return status;
  LayerState& state = *stored;
  auto publish_counters = [&] {
    out.last_success = state.last_success;
    out.runs_success = state.success;
    out.runs_failed = state.failed;
    out.records = state.records;
  };
  auto read = ReadJsonObject(layer.status_file);
  if (!read.ok()) {
    publish_counters();
    return Status(read.status().reason(), "status file " + read.status().message());
  }
  auto file = ParseStatusFile(*read);
  if (!file.ok()) {
    publish_counters();
    return Status(Reason::kParse,
                  "status file " + layer.status_file + ": " + file.status().message());
  }
  out.current = true;
  out.status = file->status;
  if (out.status == LayerStatus::kCompleted && layer.expected_every &&
      ctx.clock.Now() - file->updated > *layer.expected_every)
    out.status = LayerStatus::kIdle;
  bool finished = file->status == LayerStatus::kCompleted || file->status == LayerStatus::kFailed;
  if (finished && file->updated_text != state.file_updated_at) {
    if (file->status == LayerStatus::kCompleted) {
      state.success += 1;
      state.records += file->records.value_or(0);
      state.last_success = ToUnixSeconds(file->updated);
    } else {
      state.failed += 1;
    }
    state.file_updated_at = file->updated_text;
    MergeInto(status, Save(layer, state));
  }
  publish_counters();
  return status;
}

std::shared_ptr<Probe> PipelineKind::Build(const Config& config, const ProbeConfigs& /*all*/,
                                           const ProbeDeps& deps) {
  return std::make_shared<PipelineProbe>(config, deps.http, deps.store);
}

}  // namespace usdcop
