// A client of Alertmanager's API v2 (api/v2/openapi.yaml): the alerts it holds, its receivers
// and its status, each one GET with the configured basic auth and CA bundle, never a retry.
// No message it returns holds the password or any part of an answer: /api/v2/status carries
// Alertmanager's whole config file, which may hold secrets of its own. Thread-safe (stateless
// over HttpClient).
#pragma once

#include <string>
#include <vector>

#include "common/deadline.h"
#include "common/status.h"
#include "sources/alertmanager_alert.h"
#include "sources/alertmanager_config.h"
#include "sources/http_client.h"

namespace usdcop {

// Parsers of the answers, public for the tests. Errors are Reason::kParse and name the field.
// GET /api/v2/alerts: a list of gettableAlert.
Result<std::vector<AlertmanagerAlert>> ParseAlertmanagerAlerts(const std::string& body);
// GET /api/v2/receivers: a list of {name}.
Result<std::vector<std::string>> ParseAlertmanagerReceivers(const std::string& body);
// GET /api/v2/status: {cluster: {status, name, peers}, versionInfo: {version}, ...}.
Result<AlertmanagerCluster> ParseAlertmanagerStatus(const std::string& body);

class AlertmanagerClient {
 public:
  AlertmanagerClient(AlertmanagerConfig config, HttpClient& http)
      : config_(std::move(config)), http_(http) {}

  // Every alert: active, silenced, inhibited and unprocessed.
  Result<std::vector<AlertmanagerAlert>> Alerts(const Deadline& deadline);
  Result<std::vector<std::string>> Receivers(const Deadline& deadline);
  // GET /api/v2/status: the cluster status and the version.
  Result<AlertmanagerCluster> Cluster(const Deadline& deadline);

 private:
  // The body of a 200 to GET <url>/api/v2<path>. HTTP 401 and 403 are kAuth, others kHttpStatus.
  Result<std::string> Get(const std::string& path, const Deadline& deadline);

  const AlertmanagerConfig config_;
  HttpClient& http_;
};

}  // namespace usdcop
