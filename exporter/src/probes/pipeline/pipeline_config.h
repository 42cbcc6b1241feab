// probes.pipeline's settings: the Airflow connection and the layers L0..L5.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/units.h"
#include "sources/airflow_config.h"

namespace usdcop {

struct LayerConfig {
  std::string layer;                       // "L0".."L5": the `layer` label
  std::string dag_id;                      // an Airflow DAG, or
  std::string status_file;                 // a JSON status file (absolute path)
  std::optional<Duration> expected_every;  // no run for this long -> idle
  std::optional<XcomRef> records_xcom;     // where a finished run reports its record count
};

struct PipelineProbeConfig {
  Duration interval = std::chrono::seconds(15);
  Duration timeout = std::chrono::seconds(10);
  std::optional<AirflowConfig> airflow;  // required when a layer names a dag_id
  int runs_per_request = 25;  // dagRuns page size: finished runs newer than this are seen
  std::vector<LayerConfig> layers;
};

}  // namespace usdcop
