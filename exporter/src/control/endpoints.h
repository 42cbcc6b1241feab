// The control API's table: each endpoint's GET view and POST actions, as the daemon builds them
// from the config (app/endpoint_table.cpp). Immutable once built; a reload builds a new one.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/units.h"
#include "control/api_types.h"
#include "control/params.h"
#include "control/tokens.h"

namespace usdcop {

struct ActionSpec {
  std::string name;
  std::vector<ParamSpec> params;
  bool changes_world = true;                           // takes an Idempotency-Key
  std::function<ActionResult(const ActionCall&)> run;  // null: not configured (501)
  std::string configure_hint;                          // with run null: what to configure
};

struct EndpointSpec {
  std::string path;
  std::function<std::shared_ptr<const std::string>()>
      get;  // the view as JSON text; never blocks on a probe
  std::vector<ActionSpec> actions;
  // Set only for the webhook receiver: takes the whole body (not {"action": ...}).
  std::function<ActionResult(const Caller&, const nlohmann::json& body)> ingest;
};

struct ControlSetup {
  std::vector<ControlTokenConfig> tokens;
  std::map<std::string, ControlRole> basic_auth_users;  // web config users and their roles
  double per_second = 10;
  double burst = 20;
  Duration idempotency_ttl = std::chrono::hours(24);
  Duration audit_retention = std::chrono::hours(24 * 90);  // audit rows older than this are deleted
  Duration action_timeout = std::chrono::seconds(30);      // each action's deadline
  Duration session_ttl = std::chrono::hours(8);            // the status page's login sessions
  std::vector<EndpointSpec> endpoints;
};

}  // namespace usdcop
