// The record of the write calls made to the simulated Airflow API (trigger a run, clear a run,
// clear task instances), for tests to assert on through GET /sim/airflow/actions. Only calls
// that got past the API fault and authentication are recorded, whatever they were answered.
// Keeps the newest kMaxActions. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/mutex.h"

namespace usdcop::sim {

struct AirflowAction {
  std::string method;
  std::string path;  // as received, percent-decoded
  std::string dag_id;
  std::optional<std::string> dag_run_id;  // the run the call created or named
  std::string user;                       // the basic-auth user (API v1), "token" (API v2)
  nlohmann::json body;                    // see RecordedBody
  int status = 0;                         // what the call was answered
};

// A body as recorded: its JSON, or its text when it is not JSON; a body over 64 KiB is kept as
// the string "<N bytes>" only.
nlohmann::json RecordedBody(const std::string& body);

class AirflowActions {
 public:
  static constexpr size_t kMaxActions = 1000;

  AirflowActions() = default;
  AirflowActions(const AirflowActions&) = delete;
  AirflowActions& operator=(const AirflowActions&) = delete;

  void Record(AirflowAction action);
  // [{"method", "path", "dag_id", "dag_run_id", "user", "body", "status"}], oldest first.
  nlohmann::json Json() const;
  void Clear();

 private:
  mutable Mutex mu_;
  std::deque<AirflowAction> actions_ GUARDED_BY(mu_);  // oldest first
};

}  // namespace usdcop::sim
