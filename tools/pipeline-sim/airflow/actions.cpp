#include "airflow/actions.h"

namespace usdcop::sim {
namespace {

constexpr size_t kMaxRecordedBodyBytes = 64 << 10;

}  // namespace

nlohmann::json RecordedBody(const std::string& body) {
  if (body.size() > kMaxRecordedBodyBytes) return "<" + std::to_string(body.size()) + " bytes>";
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? nlohmann::json(body) : parsed;
}

void AirflowActions::Record(AirflowAction action) {
  MutexLock lock(mu_);
  if (actions_.size() >= kMaxActions) actions_.pop_front();
  actions_.push_back(std::move(action));
}

nlohmann::json AirflowActions::Json() const {
  MutexLock lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const AirflowAction& a : actions_) {
    out.push_back({{"method", a.method},
                   {"path", a.path},
                   {"dag_id", a.dag_id},
                   {"dag_run_id", a.dag_run_id ? nlohmann::json(*a.dag_run_id) : nullptr},
                   {"user", a.user},
                   {"body", a.body},
                   {"status", a.status}});
  }
  return out;
}

void AirflowActions::Clear() {
  MutexLock lock(mu_);
  actions_.clear();
}

}  // namespace usdcop::sim
