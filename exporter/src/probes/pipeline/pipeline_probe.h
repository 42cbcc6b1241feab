// The pipeline probe: the state of each layer L0..L5, read from its Airflow DAG's runs or from
// its status file, plus Airflow's own health. Counts each finished run once, across restarts:
// the runs already counted and the running totals live in the state store.
// Not thread-safe: the scheduler runs one Run() at a time.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "probes/pipeline/pipeline_config.h"
#include "probes/probe.h"
#include "sources/airflow_client.h"
#include "store/state_store.h"

namespace usdcop {

// The layer's state from its newest runs (any order): queued/running -> running, success ->
// completed, failed -> failed (until a newer run starts), no run at all or the newest
// successful run started longer than `expected_every` ago -> idle.
LayerStatus MapDagStatus(const std::vector<DagRun>& runs, std::optional<Duration> expected_every,
                         SysTime now);
// A status file's `status` word; nullopt for a word we do not know.
std::optional<LayerStatus> MapFileStatus(const std::string& status);

// A layer's status file: {"status": running|completed|failed|idle, "updated_at": ISO 8601,
// "records": a number >= 0 (optional)}.
struct StatusFile {
  LayerStatus status = LayerStatus::kIdle;
  std::string updated_text;  // updated_at as written: the version a finished run is counted by
  SysTime updated;
  std::optional<double> records;
};
// The status file's JSON object as a StatusFile; Reason::kParse saying what is wrong
// ("no \"status\" string") otherwise.
Result<StatusFile> ParseStatusFile(const nlohmann::json& j);

class PipelineProbe final : public Probe {
 public:
  PipelineProbe(PipelineProbeConfig config, HttpClient& http, StateStore& store);
  ProbeOutcome Run(const ProbeContext& ctx) override;

  // What must survive a restart, per layer.
  struct LayerState {
    std::set<std::string> counted;  // finished runs of the newest page already counted
    std::uint64_t success = 0;
    std::uint64_t failed = 0;
    double records = 0;
    std::optional<double> last_success;
    std::string file_updated_at;  // status file: the version last counted
  };

 private:
  Status RunDagLayer(const LayerConfig& layer, const ProbeContext& ctx, LayerResult& out);
  Status RunFileLayer(const LayerConfig& layer, const ProbeContext& ctx, LayerResult& out);
  Status CountFinishedRuns(const LayerConfig& layer, const std::vector<DagRun>& runs,
                           const ProbeContext& ctx, LayerState& state);
  // The layer's state, loaded from the store on first use; null (status set) when the store
  // cannot be read.
  LayerState* StateOf(const LayerConfig& layer, Status& status);
  Status Save(const LayerConfig& layer, const LayerState& state);

  const PipelineProbeConfig config_;
  std::unique_ptr<AirflowClient> airflow_;  // null when no layer uses Airflow
  StateStore& store_;
  std::map<std::string, LayerState> states_;  // by layer key; loaded from the store once
};

}  // namespace usdcop
