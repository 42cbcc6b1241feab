#include "airflow/api.h"

#include <charconv>

#include "shared/http_util.h"
#include "shared/log.h"

namespace usdcop::sim {
namespace {

constexpr size_t kMaxPageLimit = 100;  // Airflow's maximum_page_limit
// A body that claims to be JSON and is not: a truncated dagRuns answer.
constexpr std::string_view kGarbageBody =
    "{\"dag_runs\": [{\"dag_id\": \"usdcop_m5__01_l0_intelligent_acquire\", \"state\": \"succ";

// A non-negative integer query parameter; `fallback` when absent, nullopt when malformed.
std::optional<size_t> SizeParam(const httplib::Request& req, const char* key, size_t fallback) {
  if (!req.has_param(key)) return fallback;
  std::string text = req.get_param_value(key);
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

AirflowApi::AirflowApi(AirflowModel& model, FaultInjector& faults, TokenStore& tokens,
                       AirflowActions& actions, Credentials credentials)
    : model_(model),
      faults_(faults),
      tokens_(tokens),
      actions_(actions),
      credentials_(std::move(credentials)) {}

void AirflowApi::Register(httplib::Server& server) {
  using namespace std::placeholders;
  const std::string xcom = "/dagRuns/([^/]+)/taskInstances/([^/]+)/xcomEntries/([^/]+)";
  Route list = std::bind(&AirflowApi::ListRuns, this, _1, _2, _3);
  Route get_xcom = std::bind(&AirflowApi::GetXcom, this, _1, _2, _3);
  Route health = std::bind(&AirflowApi::GetHealth, this, _1, _2, _3);
  server.Get("/api/v1/dags/([^/]+)/dagRuns", Guarded(ApiVersion::kV1, true, list));
  server.Get("/api/v1/dags/([^/]+)" + xcom, Guarded(ApiVersion::kV1, true, get_xcom));
  server.Get("/api/v1/health", Guarded(ApiVersion::kV1, false, health));
  server.Get("/api/v2/dags/([^/]+)/dagRuns", Guarded(ApiVersion::kV2, true, list));
  server.Get("/api/v2/dags/([^/]+)" + xcom, Guarded(ApiVersion::kV2, true, get_xcom));
  server.Get("/api/v2/monitor/health", Guarded(ApiVersion::kV2, false, health));
  server.Post("/auth/token", Guarded(ApiVersion::kV2, false,
                                     [this](const Request& req, Response& res, ApiVersion) {
                                       IssueToken(req, res);
                                     }));
  RegisterWrites(server);
}

httplib::Server::Handler AirflowApi::Guarded(ApiVersion version, bool auth, Route route) {
  return [this, version, auth, route](const Request& req, Response& res) {
    if (AnsweredByFault(version, res)) return;
    if (auth && !Authorized(req, version)) {
      const char* detail = version == ApiVersion::kV1 ? "Unauthorized" : "Not authenticated";
      ReplyApiError(res, version, 401, "Unauthorized", detail);
      return;
    }
    route(req, res, version);
  };
}

bool AirflowApi::AnsweredByFault(ApiVersion version, Response& res) {
  switch (faults_.WaitWhileHanging()) {
    case FaultInjector::Wait::kShutdown:
      ReplyApiError(res, version, 503, "Service Unavailable", "the simulator is shutting down");
      return true;
    case FaultInjector::Wait::kTooMany:
      Log("hang fault: too many requests hanging already, answering 503");
      ReplyApiError(res, version, 503, "Service Unavailable", "too many hanging requests");
      return true;
    default:
      break;
  }
  switch (faults_.Current()) {
    case AirflowFault::kGarbage:
      res.status = 200;
      res.set_content(std::string(kGarbageBody), "application/json");
      return true;
    case AirflowFault::kUnauthorized:
      ReplyApiError(res, version, 401, "Unauthorized", "Unauthorized");
      return true;
    case AirflowFault::kServerError:
      ReplyApiError(res, version, 500, "Internal Server Error", "Internal Server Error");
      return true;
    default:
      return false;
  }
}

bool AirflowApi::Authorized(const Request& req, ApiVersion version) const {
  if (version == ApiVersion::kV1) return BasicAuthMatches(req, credentials_);
  auto token = BearerToken(req);
  return token && tokens_.Valid(*token);
}

void AirflowApi::ListRuns(const Request& req, Response& res, ApiVersion version) {
  std::string order_text = req.has_param("order_by") ? req.get_param_value("order_by") : "id";
  auto order = ParseRunOrder(order_text);
  auto limit = SizeParam(req, "limit", version == ApiVersion::kV1 ? 100 : 50);
  auto offset = SizeParam(req, "offset", 0);
  int bad_status = version == ApiVersion::kV1 ? 400 : 422;
  if (!order) {
    return ReplyApiError(res, version, 400, "Bad Request",
                         "Ordering with '" + order_text +
                             "' is disallowed or the attribute does not exist on the model");
  }
  if (!limit || !offset) {
    return ReplyApiError(res, version, bad_status, "Bad Request",
                         "limit and offset must be non-negative integers");
  }
  std::string dag_id = PathParam(req, 1);
  auto page = model_.ListRuns(dag_id, *order, *offset, std::min(*limit, kMaxPageLimit));
  if (!page) return ReplyDagNotFound(res, version, dag_id);
  ReplyJson(res, 200, RunPageJson(*page, version));
}

void AirflowApi::GetXcom(const Request& req, Response& res, ApiVersion version) {
  std::string dag_id = PathParam(req, 1);
  std::string run_id = PathParam(req, 2);
  bool records_xcom = PathParam(req, 3) == kRecordsTaskId && PathParam(req, 4) == kRecordsKey;
  auto run = records_xcom ? model_.FindRun(dag_id, run_id) : std::nullopt;
  if (!run || !run->records) {
    std::string detail = version == ApiVersion::kV1
                             ? "XCom entry not found"
                             : "XCom entry with key: `" + PathParam(req, 4) + "` not found";
    return ReplyApiError(res, version, 404, "XCom entry not found", detail);
  }
  ReplyJson(res, 200, RecordsXcomJson(*run, version));
}

void AirflowApi::GetHealth(const Request&, Response& res, ApiVersion version) {
  ReplyJson(res, 200, HealthJson(model_.Health(), version));
}

void AirflowApi::IssueToken(const Request& req, Response& res) {
  FieldReader body(req.body);
  auto username = body.String("username", true);
  auto password = body.String("password", true);
  if (!body.ok()) return ReplyApiError(res, ApiVersion::kV2, 400, "", body.error().message);
  if (!CredentialsMatch(credentials_, *username, *password)) {
    return ReplyApiError(res, ApiVersion::kV2, 401, "", "Invalid credentials");
  }
  ReplyJson(res, 201, {{"access_token", tokens_.Issue()}});
}

}  // namespace usdcop::sim
