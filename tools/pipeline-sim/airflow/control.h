// The control endpoint of the simulated Airflow (no auth, JSON in and out, 400
// {"error", "field"} on bad input):
//   POST /sim/airflow/dags/{dag}/runs   add a run (creates the DAG)
//   POST /sim/airflow/dags/{dag}/state  set the newest run's state
//   POST /sim/airflow/dags              add DAGs, optionally with finished runs
//   POST /sim/airflow/fault             none|hang|garbage|unauthorized|server_error|fail_next
//   POST /sim/airflow/health            component health
//   GET  /sim/airflow/actions           the write calls made to the API (AirflowActions)
// Handlers are thread-safe; the objects passed in must outlive the server.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "airflow/actions.h"
#include "airflow/auth.h"
#include "airflow/faults.h"
#include "airflow/model.h"

namespace usdcop::sim {

class AirflowControl {
 public:
  AirflowControl(AirflowModel& model, FaultInjector& faults, const AirflowActions& actions)
      : model_(model), faults_(faults), actions_(actions) {}
  AirflowControl(const AirflowControl&) = delete;
  AirflowControl& operator=(const AirflowControl&) = delete;

  void Register(httplib::Server& server);

  // Clears every fault (for /sim/reset, with AirflowModel::Reset).
  void ClearFaults();

 private:
  using Request = httplib::Request;
  using Response = httplib::Response;

  void AddRun(const Request& req, Response& res);
  void SetState(const Request& req, Response& res);
  void AddDags(const Request& req, Response& res);
  void SetFault(const Request& req, Response& res);
  void SetHealth(const Request& req, Response& res);

  AirflowModel& model_;
  FaultInjector& faults_;
  const AirflowActions& actions_;
};

// The simulated Airflow's whole state (DAGs, runs, faults, health), for GET /sim/state.
nlohmann::json DescribeAirflow(const AirflowModel& model, const FaultInjector& faults,
                               const TokenStore& tokens);

}  // namespace usdcop::sim
