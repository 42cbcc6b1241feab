#include "control/control_api.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <future>
#include <regex>

#include "common/sha256.h"
#include "control/web_assets.h"

namespace usdcop {
namespace {

bool LooksSecret(const std::string& key) {
  static const std::regex kSecret(
      "token|password|passwd|secret|credential|authorization|api_?key|private", std::regex::icase);
  return std::regex_search(key, kSecret);
}

std::string EndpointLabel(const ControlSetup& setup, const std::string& path) {
  if (path == "/api/session") return path;
  for (const EndpointSpec& ep : setup.endpoints)
    if (ep.path == path) return ep.path;
  return "other";
}

std::string MethodLabel(const std::string& method) {
  return method == "GET" || method == "POST" || method == "DELETE" ? method : "other";
}

// Letters, digits and - _ . : only, up to 128: an Idempotency-Key is stored and logged.
bool ValidIdempotencyKey(const std::string& key) {
  if (key.empty() || key.size() > 128) return false;
  return std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

// The deepest nesting of objects and arrays a body may have: a deeper one is refused before
// anything (the parser's DOM, the audit's copy, a destructor) walks it recursively.
constexpr int kMaxJsonDepth = 32;

// A SAX handler that builds nothing and stops at the first level deeper than kMaxJsonDepth.
class DepthCheck {
 public:
  bool too_deep = false;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(nlohmann::json::number_integer_t) { return true; }
  bool number_unsigned(nlohmann::json::number_unsigned_t) { return true; }
  bool number_float(nlohmann::json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(nlohmann::json::binary_t&) { return true; }
  bool start_object(std::size_t) { return Enter(); }
  bool end_object() { return Leave(); }
  bool start_array(std::size_t) { return Enter(); }
  bool end_array() { return Leave(); }
  bool key(std::string&) { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  bool Enter() {
    too_deep = ++depth_ > kMaxJsonDepth;
    return !too_deep;
  }
  bool Leave() {
    --depth_;
    return true;
  }
  int depth_ = 0;
};

bool TooDeep(const std::string& body) {
  DepthCheck check;
  nlohmann::json::sax_parse(body, &check, nlohmann::json::input_format_t::json, false);
  return check.too_deep;
}

// Refusals are counted per key; past this many keys in a minute, the addresses share one.
constexpr size_t kMaxRefusalKeys = 4096;

std::int64_t UnixMinute(SysTime t) {
  return std::chrono::duration_cast<std::chrono::minutes>(t.time_since_epoch()).count();
}

constexpr std::string_view kSessionPath = "/api/session";
constexpr size_t kMaxLoginBody = 4 * 1024;

// Equal secrets, compared in constant time; an empty one matches nothing.
bool SameSecret(const std::string& given, const std::string& expected) {
  return !expected.empty() && given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

// application/json, with parameters or not.
bool IsJsonType(std::string_view type) {
  const std::string_view kJson = "application/json";
  if (type.size() < kJson.size()) return false;
  for (size_t i = 0; i < kJson.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(type[i])) != kJson[i]) return false;
  return type.size() == kJson.size() || type[kJson.size()] == ';' || type[kJson.size()] == ' ';
}

// The session cookie; `max_age` 0 clears it.
std::string SessionCookie(bool tls, const std::string& id, Duration max_age) {
  return std::string(SessionCookieName(tls)) + "=" + id +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(max_age).count()) +
         (tls ? "; Secure" : "");
}

// The status page's own paths (web_assets.h); every other path is the API's.
bool IsPagePath(std::string_view path) {
  return path == "/" || path == "/login" || path.substr(0, 8) == "/assets/";
}

std::vector<std::string> ActionNames(const EndpointSpec& ep) {
  std::vector<std::string> names;
  for (const ActionSpec& a : ep.actions) names.push_back(a.name);
  return names;
}

}  // namespace

nlohmann::json AuditParams(const nlohmann::json& params) {
  if (params.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : params.items())
      out[key] = LooksSecret(key) ? nlohmann::json("<redacted>") : AuditParams(value);
    return out;
  }
  if (params.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < params.size() && i < 20; ++i) out.push_back(AuditParams(params[i]));
    return out;
  }
  if (params.is_string() && params.get_ref<const std::string&>().size() > 200)
    return params.get_ref<const std::string&>().substr(0, 200) + "...";
  return params;
}

ControlApi::ControlApi(StateStore& store, Logger& log, const Clock& clock)
    : store_(store), log_(log), clock_(clock), sessions_(clock) {
  unsigned char key[32];
  if (RAND_bytes(key, sizeof key) == 1)
    basic_csrf_key_.assign(reinterpret_cast<const char*>(key), sizeof key);
}

void ControlApi::Install(std::shared_ptr<const ControlSetup> setup) {
  // A session lives only as long as its token is configured with the same role.
  const size_t revoked =
      sessions_.Revoke(setup ? setup->tokens : std::vector<ControlTokenConfig>{});
  if (revoked > 0)
    log_.Info("status page sessions revoked by the reload",
              {{"sessions", std::to_string(revoked)}});
  if (!setup) {
    MutexLock lock(mu_);
    installed_ = nullptr;
    return;
  }
  MutexLock lock(mu_);
  // One limiter for the life of the API: a reload must not hand every caller a full bucket.
  if (!limiter_)
    limiter_ = std::make_shared<RateLimiter>(clock_, setup->per_second, setup->burst);
  else
    limiter_->SetRates(setup->per_second, setup->burst);
  installed_ = std::make_shared<Installed>(Installed{setup, TokenTable(setup->tokens), limiter_});
}

void ControlApi::HandleAsync(const ControlRequest& req, Done done) {
  std::shared_ptr<const Installed> in;
  {
    MutexLock lock(mu_);
    in = installed_;
  }
  if (in && IsPagePath(req.path)) {
    ControlResponse res = Page(*in, req);
    Count("page", MethodLabel(req.method), res.code);
    return done(std::move(res));
  }
  Audit audit;
  ControlResponse res;
  try {
    res = in ? Route(*in, req, audit) : ErrorResponse(503, "the control API is not configured");
  } catch (const std::exception& e) {  // a bug of ours: answered, audited and logged, never a crash
    audit.result = std::string("internal error: ") + e.what();
    res = ErrorResponse(500, "internal error; the exporter's log has the details");
  }
  Record(req, in ? EndpointLabel(*in->setup, req.path) : "other", audit, std::move(res),
         std::move(done));
}

ControlResponse ControlApi::Handle(const ControlRequest& req) {
  std::promise<ControlResponse> answered;
  std::future<ControlResponse> answer = answered.get_future();
  HandleAsync(req, [&answered](ControlResponse res) { answered.set_value(std::move(res)); });
  return answer.get();
}

ControlApi::Authenticated ControlApi::Authenticate(const Installed& in, const ControlRequest& req) {
  Authenticated who;
  if ((who.caller = in.tokens.Authenticate(req.authorization))) {
    who.by = Authenticated::kBearer;
    return who;
  }
  if (!req.basic_user.empty()) {
    auto it = in.setup->basic_auth_users.find(req.basic_user);
    if (it != in.setup->basic_auth_users.end()) {
      who.caller = Caller{"basic:" + req.basic_user, it->second};
      who.by = Authenticated::kBasic;
      return who;
    }
  }
  if (!req.session_id.empty() && (who.session = sessions_.Find(req.session_id))) {
    who.caller = who.session->caller;
    who.by = Authenticated::kSession;
  }
  return who;
}

std::string ControlApi::CsrfTokenOf(const Authenticated& who) const {
  if (who.by == Authenticated::kSession) return who.session->csrf_token;
  if (who.by != Authenticated::kBasic || basic_csrf_key_.empty()) return "";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const std::string& name = who.caller->name;
  if (!HMAC(EVP_sha256(), basic_csrf_key_.data(), static_cast<int>(basic_csrf_key_.size()),
            reinterpret_cast<const unsigned char*>(name.data()), name.size(), mac, &size))
    return "";
  return HexLower(mac, size);
}

nlohmann::json ControlApi::SessionBody(const Authenticated& who) const {
  const std::string csrf = CsrfTokenOf(who);
  return {{"caller", who.caller->name},
          {"role", RoleName(who.caller->role)},
          {"csrf_token", csrf.empty() ? nlohmann::json() : nlohmann::json(csrf)},
          {"expires_at", who.session ? nlohmann::json(static_cast<std::int64_t>(
                                           std::floor(ToUnixSeconds(who.session->expires))))
                                     : nlohmann::json()}};
}

ControlResponse ControlApi::SessionEndpoint(const Installed& in, const ControlRequest& req,
                                            const Authenticated& who, Audit& audit) {
  if (req.method == "POST") return Login(in, req, audit);
  if (req.method != "GET" && req.method != "DELETE") {
    audit.result = "method not allowed";
    ControlResponse r = ErrorResponse(405, "use GET, POST or DELETE", "method");
    r.headers.emplace_back("Allow", "GET, POST, DELETE");
    return r;
  }
  if (req.method == "DELETE") {
    audit.action = "logout";
    if (who.by != Authenticated::kSession) {
      audit.result = "no session";
      return ErrorResponse(401, "no session to end: log in first", "Cookie");
    }
    if (!SameSecret(req.csrf_token, who.session->csrf_token)) {
      audit.result = "csrf";
      return ErrorResponse(403, "CSRF token missing or wrong", "X-CSRF-Token");
    }
    sessions_.Remove(req.session_id);
    audit.result = "logged out";
    ControlResponse r;
    r.code = 204;
    r.text = std::make_shared<const std::string>();
    r.headers.emplace_back("Set-Cookie", SessionCookie(req.tls, "", std::chrono::seconds(0)));
    return r;
  }
  if (!who.caller) {
    audit.result = req.authorization.empty() ? "no token" : "invalid token";
    ControlResponse r = ErrorResponse(
        401, "log in first (a session cookie, a bearer token or basic auth)", "Authorization");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (who.caller->role == ControlRole::kWebhook) {
    audit.result = "forbidden for role webhook";
    return ErrorResponse(
        403,
        "the token's role (webhook) may not read this endpoint: it takes viewer or operator tokens",
        "Authorization");
  }
  audit.result = "ok";
  ControlResponse r;
  r.body = SessionBody(who);
  return r;
}

ControlResponse ControlApi::Login(const Installed& in, const ControlRequest& req, Audit& audit) {
  audit.action = "login";
  audit.caller.clear();  // the token in the body names the caller, not the request's credentials
  if (req.body_too_large || req.body.size() > kMaxLoginBody) {
    audit.result = "body too large";
    return ErrorResponse(413, "a login body is at most 4 KiB", "body");
  }
  if (!req.origin.empty() &&
      req.origin != std::string(req.tls ? "https://" : "http://") + req.host) {
    audit.result = "foreign origin";
    return ErrorResponse(403, "a login must come from this page's own origin", "Origin");
  }
  if (!IsJsonType(req.content_type)) {
    audit.result = "not JSON";
    return ErrorResponse(415, "send Content-Type: application/json", "Content-Type");
  }
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("token") ||
      !body["token"].is_string()) {
    audit.result = "malformed JSON";
    return ErrorResponse(400, "the body must be {\"token\": \"<a control API token>\"}", "token");
  }
  auto match = in.tokens.AuthenticateToken(body["token"].get_ref<const std::string&>());
  if (!match) {
    audit.result = "invalid token";
    return ErrorResponse(401, "invalid token", "token");
  }
  audit.caller = match->caller.name;
  if (match->caller.role == ControlRole::kWebhook) {
    audit.result = "forbidden for role webhook";
    return ErrorResponse(
        403, "a webhook token cannot log in to the status page: use a viewer or operator token",
        "token");
  }
  auto [id, session] = sessions_.Create(match->caller, match->sha256, in.setup->session_ttl);
  if (id.empty()) {
    audit.result = "no random bytes";
    return ErrorResponse(500, "the system's random generator failed; no session was made");
  }
  audit.result = "logged in";
  Authenticated who{Authenticated::kSession, session.caller, session};
  ControlResponse r;
  r.body = SessionBody(who);
  r.headers.emplace_back("Set-Cookie", SessionCookie(req.tls, id, in.setup->session_ttl));
  return r;
}

ControlResponse ControlApi::Page(const Installed& in, const ControlRequest& req) {
  if (auto wait = in.limiter->Take("address:" + req.remote_addr)) {
    ControlResponse r =
        ErrorResponse(429, "too many requests: retry after " + std::to_string(*wait) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(*wait));
    return r;
  }
  if (req.method != "GET") {  // HEAD arrives as GET
    ControlResponse r = ErrorResponse(405, "use GET", "method");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  const WebAsset* asset = FindWebAsset(req.path);
  if (!asset) return ErrorResponse(404, "no such file of the status page", "path");
  ControlResponse r;
  r.text = std::make_shared<const std::string>();
  if (req.path == "/") {
    std::optional<Caller> caller = Authenticate(in, req).caller;
    if (!caller || caller->role == ControlRole::kWebhook) {
      r.code = 303;
      r.headers.emplace_back("Location", "/login");
      return r;
    }
  }
  r.headers.emplace_back("ETag", asset->etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  if (!req.if_none_match.empty() && IfNoneMatchHits(req.if_none_match, asset->etag)) {
    r.code = 304;
    return r;
  }
  r.text = asset->body;
  r.content_type = asset->content_type;
  return r;
}

ControlResponse ControlApi::Route(const Installed& in, const ControlRequest& req, Audit& audit) {
  const Authenticated who = Authenticate(in, req);
  const std::optional<Caller>& caller = who.caller;
  if (caller) audit.caller = caller->name;
  // Before anything else: a flood of any request costs a bucket lookup. Callers without a valid
  // token share their address's bucket, so guessing tokens and paths is limited too.
  if (auto wait =
          in.limiter->Take(caller ? "token:" + caller->name : "address:" + req.remote_addr)) {
    audit.result = "rate limited";
    ControlResponse r =
        ErrorResponse(429, "too many requests: retry after " + std::to_string(*wait) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(*wait));
    return r;
  }
  if (req.path == kSessionPath) return SessionEndpoint(in, req, who, audit);
  const EndpointSpec* ep = nullptr;
  for (const EndpointSpec& e : in.setup->endpoints)
    if (e.path == req.path) ep = &e;
  if (!ep) {
    audit.result = "no such endpoint";
    return ErrorResponse(
        404,
        "no such endpoint: the control API serves /api/l0/health, /api/pipeline/health, "
        "/api/backup/status, /api/websocket/status, /api/usage/monitoring, /api/alerts/system "
        "(and /api/status, /api/session for the status page)",
        "path");
  }
  const bool webhook = static_cast<bool>(ep->ingest);
  const bool view_only = !webhook && ep->actions.empty();  // /api/status
  if (req.method != "POST" && (webhook || req.method != "GET")) {
    audit.result = "method not allowed";
    ControlResponse r = ErrorResponse(405,
                                      webhook     ? "use POST"
                                      : view_only ? "use GET"
                                                  : "use GET or POST",
                                      "method");
    r.headers.emplace_back("Allow", webhook ? "POST" : view_only ? "GET" : "GET, POST");
    return r;
  }
  if (req.method == "POST" && view_only) {
    audit.result = "method not allowed";
    ControlResponse r = ErrorResponse(405, "use GET", "method");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (!caller) {
    audit.result = req.authorization.empty() ? "no token" : "invalid token";
    ControlResponse r =
        ErrorResponse(401,
                      req.basic_user.empty()
                          ? "a valid bearer token is required (Authorization: Bearer <token>)"
                          : "this basic-auth user is not given a role in control.basic_auth_users",
                      "Authorization");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  // A browser adds a cookie, and basic credentials, by itself: a state-changing request made so
  // must prove it comes from the page (docs/status-page.md, CSRF). A bearer token needs no proof.
  const bool needs_csrf =
      who.by == Authenticated::kSession || (who.by == Authenticated::kBasic && req.from_browser);
  if (req.method != "GET" && needs_csrf && !SameSecret(req.csrf_token, CsrfTokenOf(who))) {
    audit.result = "csrf";
    return ErrorResponse(403, "CSRF token missing or wrong", "X-CSRF-Token");
  }
  const ControlRole role = caller->role;
  const bool allowed = webhook ? (role == ControlRole::kWebhook || role == ControlRole::kOperator)
                       : req.method == "GET" ? role != ControlRole::kWebhook
                                             : role == ControlRole::kOperator;
  if (!allowed) {
    audit.result = "forbidden for role " + std::string(RoleName(role));
    return ErrorResponse(403,
                         "the token's role (" + std::string(RoleName(role)) + ") may not " +
                             (req.method == "GET" ? "read this endpoint" : "act here") +
                             (webhook               ? ": it takes webhook or operator tokens"
                              : req.method == "GET" ? ": it takes viewer or operator tokens"
                                                    : ": actions take operator tokens"),
                         "Authorization");
  }
  if (req.method == "GET") {
    audit.result = "ok";
    ControlResponse r;
    r.text = ep->get();
    return r;
  }
  return Post(in, *ep, *caller, req, audit);
}

ControlResponse ControlApi::Post(const Installed& in, const EndpointSpec& ep, const Caller& caller,
                                 const ControlRequest& req, Audit& audit) {
  if (req.body_too_large) {
    audit.result = "body too large";
    return ErrorResponse(413, "the body is larger than 64 KiB", "body");
  }
  PostBody read = ReadPostBody(ep, req.body);
  audit.action = read.action_name;
  audit.params = read.audit_params;
  if (read.refusal) {
    audit.result = read.refused;
    return *read.refusal;
  }
  if (ep.ingest) {
    const nlohmann::json& body = read.body;
    audit.action = "webhook";
    ActionResult r = ep.ingest(caller, body);
    audit.params = {{"alerts", body.contains("alerts") && body["alerts"].is_array()
                                   ? body["alerts"].size()
                                   : 0}};
    audit.result = r.summary;
    ControlResponse res;
    res.code = r.code;
    res.body = std::move(r.body);
    return res;
  }
  if (!read.action->run) {
    audit.result = "not configured";
    return ErrorResponse(
        501, read.action->name + " is not configured: " + read.action->configure_hint, "action");
  }
  return RunAction(in, ep, *read.action, caller, req, read.params, audit);
}

PostBody ReadPostBody(const EndpointSpec& ep, const std::string& text) {
  PostBody out;
  auto refuse = [&out](const char* why, ControlResponse response) {
    out.refused = why;
    out.refusal = std::move(response);
    return std::move(out);
  };
  if (TooDeep(text))
    return refuse("JSON too deep", ErrorResponse(400,
                                                 "the body nests objects and arrays deeper than " +
                                                     std::to_string(kMaxJsonDepth) + " levels",
                                                 "body"));
  out.body = nlohmann::json::parse(text, nullptr, false);
  if (out.body.is_discarded() || !out.body.is_object())
    return refuse("malformed JSON", ErrorResponse(400, "the body must be a JSON object", "body"));
  if (ep.ingest) return out;
  const std::vector<std::string> names = ActionNames(ep);
  auto action_field = out.body.find("action");
  if (action_field == out.body.end() || !action_field->is_string())
    return refuse("no action",
                  ErrorResponse(400, "is required: one of " + OrList(names), "action"));
  out.action_name = action_field->get<std::string>();
  for (const ActionSpec& a : ep.actions)
    if (a.name == out.action_name) out.action = &a;
  if (!out.action) {
    out.action_name = out.action_name.substr(0, 64);
    return refuse(
        "unknown action",
        ErrorResponse(400, "unknown action; " + ep.path + " takes " + OrList(names), "action"));
  }
  out.params = out.body;
  out.params.erase("action");
  out.audit_params = AuditParams(out.params);
  if (auto bad = CheckParams(out.params, out.action->params)) {
    out.refused = "bad field " + bad->body.value("field", "");
    out.refusal = std::move(*bad);
  }
  return out;
}

ControlResponse ControlApi::RunAction(const Installed& in, const EndpointSpec& ep,
                                      const ActionSpec& action, const Caller& caller,
                                      const ControlRequest& req, const nlohmann::json& params,
                                      Audit& audit) {
  const bool keyed = !req.idempotency_key.empty() && action.changes_world;
  std::string request_hash;
  std::string slot;
  if (keyed) {
    if (!ValidIdempotencyKey(req.idempotency_key)) {
      audit.result = "bad Idempotency-Key";
      return ErrorResponse(400, "must be 1 to 128 letters, digits or - _ . :", "Idempotency-Key");
    }
    request_hash = Sha256Hex(ep.path + "\n" + action.name + "\n" + params.dump());
    slot = caller.name + "\n" + req.idempotency_key;
    {
      MutexLock lock(mu_);
      if (!in_flight_keys_.insert(slot).second) {
        audit.result = "idempotency key in use";
        return ErrorResponse(409, "a request with this Idempotency-Key is still being carried out",
                             "Idempotency-Key");
      }
    }
    // Released however this scope is left, a throwing action included: its retry runs.
    struct Release {
      ControlApi* api;
      const std::string& slot;
      ~Release() { api->ReleaseKey(slot); }
    } release{this, slot};
    auto stored = store_.GetIdempotency(caller.name, req.idempotency_key);
    if (!stored.ok()) {
      audit.result = "idempotency store unreadable";
      return ErrorResponse(500,
                           "cannot read the Idempotency-Key store: " + stored.status().message());
    }
    if (*stored && (*stored)->created >= clock_.Now() - in.setup->idempotency_ttl) {
      if ((*stored)->request_hash != request_hash) {
        audit.result = "idempotency key reused for another request";
        return ErrorResponse(422, "this Idempotency-Key was used for a different request",
                             "Idempotency-Key");
      }
      audit.result = "replayed";
      ControlResponse r;
      r.code = (*stored)->code;
      r.body = nlohmann::json::parse((*stored)->body, nullptr, false);
      r.headers.emplace_back("Idempotency-Replayed", "true");
      return r;
    }
    ActionResult result = action.run(
        ActionCall{caller, params, Deadline::After(in.setup->action_timeout, &cancelled_)});
    audit.result = result.summary;
    if (result.code < 500) {
      Status put =
          store_.PutIdempotency(IdempotencyRow{caller.name, req.idempotency_key, request_hash,
                                               result.code, result.body.dump(), clock_.Now()});
      if (!put.ok()) log_.Error("cannot remember an Idempotency-Key", {{"err", put.message()}});
    }
    ControlResponse r;
    r.code = result.code;
    r.body = std::move(result.body);
    return r;
  }
  ActionResult result = action.run(
      ActionCall{caller, params, Deadline::After(in.setup->action_timeout, &cancelled_)});
  audit.result = result.summary;
  ControlResponse r;
  r.code = result.code;
  r.body = std::move(result.body);
  return r;
}

void ControlApi::Record(const ControlRequest& req, const std::string& endpoint_label,
                        const Audit& audit, ControlResponse res, Done done) {
  AuditRow row;
  row.time = clock_.Now();
  row.caller = audit.caller;
  row.address = req.remote_addr;
  row.method = MethodLabel(req.method);
  row.endpoint = endpoint_label == "other" ? req.path.substr(0, 128) : endpoint_label;
  row.action = audit.action;
  row.params = audit.params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  row.code = res.code;
  row.result = audit.result.substr(0, 500);
  // Anyone can send these, as fast as they like: counted, one row a minute per kind.
  std::optional<RefusalKey> counted;
  if (audit.caller.empty() || res.code == 429) {
    counted.emplace(UnixMinute(row.time), row.caller, row.address, row.method, endpoint_label,
                    row.code);
    if (!CountRefusal(*counted, row.result)) {
      Count(endpoint_label, row.method, res.code);
      return done(std::move(res));
    }
  }
  const bool acted = req.method == "POST" && !audit.action.empty();
  store_.AppendAuditAsync(
      std::move(row),
      [this, counted = std::move(counted), endpoint_label, acted, res = std::move(res),
       done = std::move(done)](const AuditRow& written_row, Result<std::int64_t> written) mutable {
        if (counted) RefusalWritten(*counted, written.ok() ? *written : 0);
        const LogLevel level = res.code >= 500 && res.code != 501 ? LogLevel::kError
                               : res.code >= 400                  ? LogLevel::kWarn
                                                                  : LogLevel::kInfo;
        log_.Log(level, "control request",
                 {{"caller", written_row.caller},
                  {"address", written_row.address},
                  {"method", written_row.method},
                  {"endpoint", written_row.endpoint},
                  {"action", written_row.action},
                  {"params", written_row.params},
                  {"code", std::to_string(written_row.code)},
                  {"result", written_row.result}});
        if (!written.ok()) {
          log_.Error("cannot write the audit log; answering 500",
                     {{"err", written.status().message()}});
          res = ErrorResponse(
              500, "the audit log could not be written, so the answer is withheld" +
                       std::string(acted ? " (the action ran: " + written_row.result + ")" : ""));
        }
        Count(endpoint_label, written_row.method, res.code);
        done(std::move(res));
      });
}

bool ControlApi::CountRefusal(RefusalKey& key, const std::string& result) {
  MutexLock lock(mu_);
  if (refusals_.size() >= kMaxRefusalKeys && !refusals_.count(key))
    std::get<2>(key) = "(many addresses)";
  Refusals& r = refusals_[key];
  r.count++;
  if (r.row != 0 || r.writing) return false;
  r.writing = true;  // the first of its minute (or the first since its row failed to be written)
  r.result = result;
  return true;
}

void ControlApi::RefusalWritten(const RefusalKey& key, std::int64_t row) {
  MutexLock lock(mu_);
  Refusals& r = refusals_[key];
  r.writing = false;
  r.row = row;
  r.written = row != 0 ? 1 : 0;
  if (row == 0) r.count = 0;  // answered 500: not a refusal of this kind after all
}

void ControlApi::FlushRefusals(std::int64_t current) {
  std::vector<std::pair<std::int64_t, std::int64_t>> counts;  // (row, count) to write
  {
    MutexLock lock(mu_);
    for (auto it = refusals_.begin(); it != refusals_.end();) {
      Refusals& r = it->second;
      if (r.row != 0 && r.count != r.written) {
        counts.emplace_back(r.row, r.count);
        r.written = r.count;
      }
      if (std::get<0>(it->first) < current && !r.writing) {
        const auto& [minute, caller, address, method, endpoint, code] = it->first;
        if (r.count > 1)
          log_.Warn("control requests refused",
                    {{"caller", caller},
                     {"address", address},
                     {"method", method},
                     {"endpoint", endpoint},
                     {"code", std::to_string(code)},
                     {"count", std::to_string(r.count)},
                     {"result", r.result},
                     {"minute", FormatTimestamp(SysTime(std::chrono::minutes(minute)))}});
        it = refusals_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& [row, count] : counts)
    if (Status s = store_.SetAuditCount(row, count); !s.ok())
      log_.Error("cannot write a count of refused requests to the audit log",
                 {{"err", s.message()}});
}

void ControlApi::Housekeep(bool final) {
  const SysTime now = clock_.Now();
  FlushRefusals(final ? UnixMinute(now) + 1 : UnixMinute(now));
  std::shared_ptr<const Installed> in;
  {
    MutexLock lock(mu_);
    const SteadyTime steady = clock_.SteadyNow();
    if (final || (last_prune_ != SteadyTime{} && steady - last_prune_ < std::chrono::minutes(10)))
      return;
    last_prune_ = steady;
    in = installed_;
  }
  if (!in) return;
  if (Status s = store_.PruneIdempotency(now - in->setup->idempotency_ttl); !s.ok())
    log_.Error("cannot delete expired Idempotency-Keys", {{"err", s.message()}});
  Result<int> pruned = store_.PruneAudit(now - in->setup->audit_retention);
  if (!pruned.ok())
    log_.Error("cannot delete old audit rows", {{"err", pruned.status().message()}});
  else if (*pruned > 0)
    log_.Info("deleted old audit rows",
              {{"rows", std::to_string(*pruned)},
               {"retention", FormatDuration(in->setup->audit_retention)}});
}

void ControlApi::ReleaseKey(const std::string& slot) {
  MutexLock lock(mu_);
  in_flight_keys_.erase(slot);
}

void ControlApi::Count(const std::string& endpoint, const std::string& method, int code) {
  MutexLock lock(mu_);
  requests_[{endpoint, method, code}]++;
  generation_++;
}

std::map<std::tuple<std::string, std::string, int>, std::uint64_t> ControlApi::Requests() const {
  MutexLock lock(mu_);
  return requests_;
}

}  // namespace usdcop
