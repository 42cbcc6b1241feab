// The control API, apart from HTTP: routing, bearer-token authentication, roles, the rate limit,
// body checks, Idempotency-Key replays, and the audit log of every call. Each request goes
// through the same steps in the same order:
//   caller (token or basic-auth user, if any) -> rate limit (429) -> endpoint (404) ->
//   method (405) -> token (401) -> role (403) -> body size (413) -> JSON depth, JSON and fields
//   (400) -> idempotency (replay, 409, 422) -> view or action
// The caller is a bearer token, else a basic-auth user, else the status page's session cookie;
// a POST or DELETE by a session (or by basic auth from a browser) needs its X-CSRF-Token (403
// after the 401 step). POST /api/session exchanges a token for a session (docs/status-page.md).
// The status page's files (/, /login, /assets/*) are served here too, unaudited: rate limit
// (429) -> method (405) -> file (404) -> caller for / (303 to /login) -> ETag (304) -> 200.
// The rate limit comes first, so a flood costs a bucket lookup and no more. Every answer to an
// authenticated caller is written to the audit log (SQLite, committed by the store's audit writer;
// the rows queued meanwhile share a commit) and logged before it is sent: nothing answered is
// missing after a kill -9. The request's thread does not wait for the commit: the answer is given
// from the audit writer once the row is committed. Refusals
// that would let anyone fill the disk (any answer to a caller without a valid token, and every
// 429) are audited as counts: the first of each (caller, address, method, endpoint, code) in a
// minute is written and logged before it is answered; the rest of that minute only raise the
// row's count, written by Housekeep() (every 2 s) and logged once at the minute's end.
// Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "common/clock.h"
#include "common/log.h"
#include "common/mutex.h"
#include "control/endpoints.h"
#include "control/rate_limiter.h"
#include "control/session_table.h"
#include "metrics/control_stats.h"
#include "store/state_store.h"

namespace usdcop {

class ControlApi {
 public:
  ControlApi(StateStore& store, Logger& log, const Clock& clock);
  ControlApi(const ControlApi&) = delete;
  ControlApi& operator=(const ControlApi&) = delete;

  // The endpoints, tokens and limits (at start and on every reload).
  void Install(std::shared_ptr<const ControlSetup> setup);
  using Done = std::function<void(ControlResponse)>;
  // Answers `request` through `done`, called once: at once for a refusal counted without a row,
  // else on the store's audit writer once the row is committed (the view or action itself runs
  // on the calling thread). The request need not outlive the call.
  void HandleAsync(const ControlRequest& request, Done done);
  // The same, waiting for the answer. Never on the store's audit writer.
  ControlResponse Handle(const ControlRequest& request);

  // Requests by (endpoint, method, code); the renderer adds the alert figures.
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> Requests() const;
  // Cancels the actions in flight (shutdown): their calls end at once.
  void Cancel() { cancelled_ = true; }
  // Off the request path, every few seconds and at shutdown: writes the counts of refusals,
  // and every 10 minutes deletes the audit rows older than control.audit_retention and the
  // expired Idempotency-Keys. `final`: counts everything now (shutdown).
  void Housekeep(bool final = false);
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
  // The refusals of one (caller, address, method, endpoint, code) in one minute: one row.
  // (Unix minute, caller, address, method, endpoint, code)
  using RefusalKey =
      std::tuple<std::int64_t, std::string, std::string, std::string, std::string, int>;
  struct Refusals {
    std::int64_t row = 0;  // the audit row's id; 0 while its first is being written (or failed)
    bool writing = false;
    std::int64_t count = 0;    // answered
    std::int64_t written = 0;  // the count the row has
    std::string result;        // the first's reason, for the minute's log line
  };

  // Who called, and how: a bearer token, else a basic-auth user with a role, else the session
  // cookie of a live session.
  struct Authenticated {
    enum By { kNone, kBearer, kBasic, kSession } by = kNone;
    std::optional<Caller> caller;
    std::optional<Session> session;  // with kSession
  };
  Authenticated Authenticate(const Installed& in, const ControlRequest& req);
  // The status page's files (/, /login, /assets/*): not audited (nothing is decided), but
  // rate-limited by address and counted under endpoint "page".
  ControlResponse Page(const Installed& in, const ControlRequest& req);
  // /api/session: POST logs in (a token for a session cookie), GET tells the caller and its CSRF
  // token, DELETE logs out.
  ControlResponse SessionEndpoint(const Installed& in, const ControlRequest& req,
                                  const Authenticated& who, Audit& audit);
  ControlResponse Login(const Installed& in, const ControlRequest& req, Audit& audit);
  nlohmann::json SessionBody(const Authenticated& who) const;
  // The CSRF token a caller must send with POST and DELETE: the session's, or for a basic-auth
  // user HMAC-SHA256(basic_csrf_key_, caller name); "" for a bearer token (none needed).
  std::string CsrfTokenOf(const Authenticated& who) const;
  ControlResponse Route(const Installed& in, const ControlRequest& req, Audit& audit);
  ControlResponse Post(const Installed& in, const EndpointSpec& ep, const Caller& caller,
                       const ControlRequest& req, Audit& audit);
  ControlResponse RunAction(const Installed& in, const EndpointSpec& ep, const ActionSpec& action,
                            const Caller& caller, const ControlRequest& req,
                            const nlohmann::json& params, Audit& audit);
  // Writes the audit row and the log line, counts the request, then answers `res` through `done`
  // (a 500 instead when the row cannot be written).
  void Record(const ControlRequest& req, const std::string& endpoint_label, const Audit& audit,
              ControlResponse res, Done done);
  // Counts a refusal; true when it was the minute's first of its kind, to be written as a row.
  bool CountRefusal(RefusalKey& key, const std::string& result);
  void RefusalWritten(const RefusalKey& key, std::int64_t row);
  // Writes the changed counts; drops (and logs) the minutes before `current`.
  void FlushRefusals(std::int64_t current);
  void ReleaseKey(const std::string& slot);
  void Count(const std::string& endpoint, const std::string& method, int code);

  StateStore& store_;
  Logger& log_;
  const Clock& clock_;

  mutable Mutex mu_;
  std::shared_ptr<const Installed> installed_ GUARDED_BY(mu_);
  std::shared_ptr<RateLimiter> limiter_ GUARDED_BY(mu_);  // made by the first Install
  std::set<std::string> in_flight_keys_ GUARDED_BY(mu_);  // Idempotency-Keys being acted on
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_ GUARDED_BY(mu_);
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> cancelled_{false};
  SteadyTime last_prune_ GUARDED_BY(mu_){};  // the last Housekeep that pruned
  std::map<RefusalKey, Refusals> refusals_ GUARDED_BY(mu_);
  SessionTable sessions_;
  std::string basic_csrf_key_;  // 32 random bytes made at start
};

// The parameters as the audit log keeps them: values of fields whose name suggests a secret
// replaced by "<redacted>", long texts cut.
nlohmann::json AuditParams(const nlohmann::json& params);

// A POST body to `ep` read and checked as the API does before it acts (the JSON depth, JSON and
// fields steps above, each a 400): a JSON object nesting at most 32 levels; for an endpoint of
// actions, {"action": one of ep.actions, its fields}, the fields checked and normalised by the
// action's ParamSpecs (CheckParams). Acts on nothing; thread-safe.
struct PostBody {
  std::optional<ControlResponse> refusal;  // set: the 400 to answer
  std::string refused;                     // with `refusal`: why, for the audit log
  nlohmann::json body;                     // the object (the webhook's payload as a whole)
  std::string action_name;  // the action asked for, as the audit log names it ("" when none)
  const ActionSpec* action = nullptr;                      // the endpoint's action of that name
  nlohmann::json audit_params = nlohmann::json::object();  // the fields, as AuditParams keeps them
  nlohmann::json params;  // the fields, "action" removed, normalised by the action's ParamSpecs
};
PostBody ReadPostBody(const EndpointSpec& ep, const std::string& text);

}  // namespace usdcop
