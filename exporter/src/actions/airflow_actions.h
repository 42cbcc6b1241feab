// The control API's Airflow actions, through Airflow's REST API (v1 or v2, as probes.pipeline
// configures it). Each acts on the DAG of one layer:
//   restart-component  clears the layer's newest DAG run: Airflow runs it again
//   clear-errors       clears the failed task instances of its runs since `since` (default 24h)
//   force-sync         triggers a new run of the layer's DAG
//   trigger-backup     triggers a run of the layer's backup DAG (control.backup_dags)
// Every triggered run carries conf {"requested_by": <token name>, "action": <action>}.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "control/api_types.h"
#include "sources/airflow_client.h"

namespace usdcop {

class AirflowActions {
 public:
  AirflowActions(AirflowConfig airflow, HttpClient& http, const Clock& clock)
      : client_(std::make_unique<AirflowClient>(std::move(airflow), http)), clock_(clock) {}

  ActionResult RestartComponent(const ActionCall& call, const std::string& dag_id);
  ActionResult ClearErrors(const ActionCall& call, const std::string& dag_id);
  ActionResult Trigger(const ActionCall& call, const std::string& dag_id,
                       const std::string& action);

 private:
  std::unique_ptr<AirflowClient> client_;
  const Clock& clock_;
};

}  // namespace usdcop
