// The control API, apart from HTTP: routing, bearer-token authentication, roles, the rate limit,
// body checks, Idempotency-Key replays, and the audit log of every call. Each request goes
// through the same steps in the same order:
//   endpoint (404) -> method (405) -> token (401) -> rate limit (429) -> role (403) ->
//   body size (413) -> JSON and fields (400) -> idempotency (replay, 409, 422) -> view or action
// and every answer, refusals included, is written to the audit log (SQLite, committed) and logged
// before it is sent: nothing answered is missing from the log after a kill -9. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "control/control_stats.h"
#include "control/endpoints.h"
#include "control/rate_limiter.h"
#include "store/state_store.h"

namespace usdcop {

class ControlApi {
 public:
  ControlApi(StateStore& store, Logger& log, const Clock& clock) : store_(store), log_(log), clock_(clock) {}
  ControlApi(const ControlApi&) = delete;
  ControlApi& operator=(const ControlApi&) = delete;

  // The endpoints, tokens and limits (at start and on every reload).
  void Install(std::shared_ptr<const ControlSetup> setup);
  ControlResponse Handle(const ControlRequest& request);

  // Requests by (endpoint, method, code); the renderer adds the alert figures.
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> Requests() const;
  // Cancels the actions in flight (shutdown): their calls end at once.
  void Cancel() { cancelled_ = true; }
  // Moves with every request counted.
  std::uint64_t generation() const { return generation_.load(); }

 private:
  struct Installed {
    std::shared_ptr<const ControlSetup> setup;
    TokenTable tokens;
    std::shared_ptr<RateLimiter> limiter;  // limiter_, kept across installs
  };
  struct Audit {
    std::string caller;
    std::string action;
    nlohmann::json params = nlohmann::json::object();
    std::string result;
  };

  ControlResponse Route(const Installed& in, const ControlRequest& req, Audit& audit);
  ControlResponse Post(const Installed& in, const EndpointSpec& ep, const Caller& caller, const ControlRequest& req,
                       Audit& audit);
  ControlResponse RunAction(const Installed& in, const EndpointSpec& ep, const ActionSpec& action, const Caller& caller,
                            const ControlRequest& req, const nlohmann::json& params, Audit& audit);
  // Writes the audit row and the log line; a 500 instead of `res` when the row cannot be written.
  ControlResponse Record(const ControlRequest& req, const std::string& endpoint_label, const Audit& audit,
                         ControlResponse res);
  void Count(const std::string& endpoint, const std::string& method, int code);

  StateStore& store_;
  Logger& log_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::shared_ptr<const Installed> installed_;  // guarded by mu_
  std::shared_ptr<RateLimiter> limiter_;        // guarded by mu_: made by the first Install
  std::set<std::string> in_flight_keys_;        // guarded by mu_: Idempotency-Keys being acted on
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;  // guarded by mu_
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> cancelled_{false};
  std::chrono::steady_clock::time_point last_prune_{};  // guarded by mu_
};

// The parameters as the audit log keeps them: values of fields whose name suggests a secret
// replaced by "<redacted>", long texts cut.
nlohmann::json AuditParams(const nlohmann::json& params);

}  // namespace usdcop
