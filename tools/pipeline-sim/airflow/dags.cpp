#include "airflow/dags.h"

#include <array>
#include <optional>

namespace usdcop::sim {
namespace {

constexpr std::array<std::string_view, 6> kDefaultDags = {"usdcop_m5__01_l0_intelligent_acquire",
                                                          "usdcop_m5__02_l1_standardize",
                                                          "usdcop_m5__03_l2_prepare",
                                                          "usdcop_m5__04_l3_feature",
                                                          "usdcop_m5__05_l4_rlready",
                                                          "usdcop_m5__06_l5_serving"};

// L0 acquires a session's 60 bars; L3 loses two to feature warm-up, which L4 and L5 inherit.
constexpr std::array<int64_t, 6> kRecords = {60, 60, 60, 58, 58, 58};
constexpr int64_t kUntaggedRecords = 100;

std::optional<size_t> Layer(std::string_view dag_id) {
  for (size_t layer = 0; layer < kRecords.size(); ++layer) {
    std::string tag = "_l" + std::to_string(layer) + "_";
    if (dag_id.find(tag) != std::string_view::npos) return layer;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> DefaultDagIds() { return {kDefaultDags.begin(), kDefaultDags.end()}; }

std::chrono::seconds DagPeriod(std::string_view dag_id) {
  return Layer(dag_id) == 0u ? std::chrono::minutes(5) : std::chrono::hours(1);
}

int64_t DagRecords(std::string_view dag_id) {
  auto layer = Layer(dag_id);
  return layer ? kRecords[*layer] : kUntaggedRecords;
}

}  // namespace usdcop::sim
