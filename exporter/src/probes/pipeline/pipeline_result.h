// What the pipeline probe found: per layer (L0..L5) the state, run times and run counters,
// and Airflow's own health. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace usdcop {

enum class LayerStatus { kRunning, kCompleted, kFailed, kIdle };
inline constexpr LayerStatus kAllLayerStatuses[] = {LayerStatus::kRunning, LayerStatus::kCompleted,
                                                    LayerStatus::kFailed, LayerStatus::kIdle};
const char* LayerStatusName(LayerStatus s);  // running, completed, failed, idle

struct LayerResult {
  std::string layer;
  std::string dag_id;  // "" for a status-file layer
  // The source answered this run: status and times are current. When false only the
  // counters (kept in the state store) are published.
  bool current = false;
  LayerStatus status = LayerStatus::kIdle;
  std::optional<double> last_run_start;  // Unix seconds
  std::optional<double> last_success;
  std::optional<double> last_duration;  // seconds, of the newest finished run
  // Finished runs counted (kept in the state store); both absent when the store could not be
  // read, so that the counters are left out rather than rendered 0, a reset to Prometheus.
  std::optional<std::uint64_t> runs_success;
  std::optional<std::uint64_t> runs_failed;
  std::optional<double> records;  // set when the layer has a records source
};

struct AirflowHealthResult {
  struct Component {
    std::string name;
    bool healthy = false;
  };
  std::vector<Component> components;
  std::optional<double> scheduler_heartbeat;  // Unix seconds
};

struct PipelineResult {
  std::vector<LayerResult> layers;
  std::optional<AirflowHealthResult> airflow;  // absent when not read (or no Airflow)
};

}  // namespace usdcop
