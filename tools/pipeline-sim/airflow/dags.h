// The pipeline's layers as the simulator knows them: the six default DAG ids, and the period
// and typical record count of any DAG id (by its layer tag, "_l0_" .. "_l5_").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace usdcop::sim {

std::vector<std::string> DefaultDagIds();

// 5 minutes for L0, 1 hour for the other layers and for DAGs without a layer tag.
std::chrono::seconds DagPeriod(std::string_view dag_id);
// The records a successful run reports (60 five-minute bars for L0).
int64_t DagRecords(std::string_view dag_id);

}  // namespace usdcop::sim
