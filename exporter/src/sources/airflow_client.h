// A client of Airflow's stable REST API: v1 (Airflow 2, basic auth) and v2 (Airflow 3, bearer
// token from POST /auth/token, or a configured one). Reads DAG runs, XCom values and Airflow's
// own health. Thread-safe: the cached v2 token is guarded by a mutex.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "common/mutex.h"
#include "common/status.h"
#include "common/units.h"
#include "sources/airflow_config.h"
#include "sources/http_client.h"

namespace usdcop {

struct DagRun {
  std::string run_id;
  std::string state;  // queued, running, success, failed (as Airflow spells it)
  std::optional<SysTime> start;
  std::optional<SysTime> end;
};

struct AirflowHealth {
  struct Component {
    std::string name;  // metadatabase, scheduler, triggerer, dag_processor
    bool healthy = false;
  };
  std::vector<Component> components;
  std::optional<SysTime> scheduler_heartbeat;
};

// Parsers of Airflow's answers, public for the tests. Errors are Reason::kParse.
Result<std::vector<DagRun>> ParseDagRuns(const std::string& body);
Result<AirflowHealth> ParseAirflowHealth(const std::string& body);
// An XCom entry's value as a number: v1 stringifies it ("60"), v2 gives the JSON value.
Result<double> ParseXcomNumber(const std::string& body);

class AirflowClient {
 public:
  AirflowClient(AirflowConfig config, HttpClient& http) : config_(std::move(config)), http_(http) {}

  // The newest `limit` runs, newest start first.
  Result<std::vector<DagRun>> ListRuns(const std::string& dag_id, int limit,
                                       const Deadline& deadline);
  Result<AirflowHealth> Health(const Deadline& deadline);
  // nullopt when the run has no such XCom (404).
  Result<std::optional<double>> XcomNumber(const std::string& dag_id, const std::string& run_id,
                                           const XcomRef& ref, const Deadline& deadline);

  // A request to the API (path below /api/v1 or /api/v2, as the config's api says) with the
  // configured authentication; on v2 a 401 refreshes the token once. `body` is JSON (not GET).
  Result<HttpResponse> Send(const std::string& method, const std::string& path,
                            const std::string& body, const Deadline& deadline);
  bool v2() const { return config_.api == AirflowConfig::Api::kV2; }

 private:
  Result<HttpResponse> Get(const std::string& path, const Deadline& deadline);
  Result<HttpResponse> SendWith(const std::string& method, const std::string& path,
                                const std::string& body, const std::optional<Secret>& token,
                                const Deadline& deadline);
  Result<Secret> Token(bool refresh, const Deadline& deadline);
  std::string ApiPrefix() const;

  const AirflowConfig config_;
  HttpClient& http_;
  Mutex mu_;
  Secret token_ GUARDED_BY(mu_);  // the v2 token from POST /auth/token
};

}  // namespace usdcop
