// How to reach Airflow's REST API: its URL, API version and credentials.
#pragma once

#include <string>

#include "common/secret.h"

namespace usdcop {

struct AirflowConfig {
  enum class Api { kV1, kV2 };  // Airflow 2 (basic auth) or Airflow 3 (bearer token)
  std::string url;              // base URL, without a trailing slash
  Api api = Api::kV1;
  std::string username;
  Secret password;  // from password_file or password_env
  Secret token;     // v2 only, optional: a fixed bearer token instead of POST /auth/token
};

// Where a finished run reports a figure: one XCom of one task.
struct XcomRef {
  std::string task_id;
  std::string key;
};

}  // namespace usdcop
