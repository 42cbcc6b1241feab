#include "sources/airflow_client.h"

#include <nlohmann/json.hpp>

namespace usdcop {
namespace {

using nlohmann::json;

Result<json> ParseJson(const std::string& body, const char* what) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status(Reason::kParse, std::string(what) + ": answer is not JSON");
  return j;
}

// A timestamp field that may be null or absent.
Result<std::optional<SysTime>> TimeField(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<SysTime>();
  if (!it->is_string())
    return Status(Reason::kParse, std::string("field ") + key + " is not a string");
  auto t = ParseTimestamp(it->get<std::string>());
  if (!t)
    return Status(Reason::kParse, std::string("field ") + key + ": \"" + it->get<std::string>() +
                                      "\" is not an ISO 8601 time");
  return std::optional<SysTime>(*t);
}

Status HttpError(const HttpResponse& r, const std::string& what) {
  std::string hint = r.status == 401 || r.status == 403 ? " (check the Airflow credentials)" : "";
  return Status(Reason::kHttpStatus, what + " answered HTTP " + std::to_string(r.status) + hint);
}

}  // namespace

Result<std::vector<DagRun>> ParseDagRuns(const std::string& body) {
  auto j = ParseJson(body, "dagRuns");
  if (!j.ok()) return j.status();
  auto runs = j->find("dag_runs");
  if (runs == j->end() || !runs->is_array())
    return Status(Reason::kParse, "dagRuns: answer has no dag_runs list");
  std::vector<DagRun> out;
  for (const json& r : *runs) {
    if (!r.is_object() || !r.contains("dag_run_id") || !r["dag_run_id"].is_string() ||
        !r.contains("state") || !r["state"].is_string())
      return Status(Reason::kParse, "dagRuns: a run lacks dag_run_id or state");
    DagRun run{r["dag_run_id"].get<std::string>(), r["state"].get<std::string>(), {}, {}};
    auto start = TimeField(r, "start_date");
    auto end = TimeField(r, "end_date");
    if (!start.ok()) return Status(Reason::kParse, "dagRuns: " + start.status().message());
    if (!end.ok()) return Status(Reason::kParse, "dagRuns: " + end.status().message());
    run.start = *start;
    run.end = *end;
    out.push_back(std::move(run));
  }
  return out;
}

Result<AirflowHealth> ParseAirflowHealth(const std::string& body) {
  auto j = ParseJson(body, "health");
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Status(Reason::kParse, "health: answer is not an object");
  AirflowHealth h;
  for (const char* name : {"metadatabase", "scheduler", "triggerer", "dag_processor"}) {
    auto it = j->find(name);
    if (it == j->end() || !it->is_object()) continue;
    auto status = it->find("status");
    h.components.push_back({name, status != it->end() && *status == "healthy"});
  }
  if (h.components.empty()) return Status(Reason::kParse, "health: no component statuses");
  if (auto s = j->find("scheduler"); s != j->end() && s->is_object()) {
    auto beat = TimeField(*s, "latest_scheduler_heartbeat");
    if (!beat.ok()) return Status(Reason::kParse, "health: " + beat.status().message());
    h.scheduler_heartbeat = *beat;
  }
  return h;
}

Result<double> ParseXcomNumber(const std::string& body) {
  auto j = ParseJson(body, "xcomEntries");
  if (!j.ok()) return j.status();
  auto v = j->find("value");
  if (v == j->end()) return Status(Reason::kParse, "xcomEntries: answer has no value");
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    try {
      size_t used = 0;
      double d = std::stod(v->get<std::string>(), &used);
      if (used == v->get<std::string>().size()) return d;
    } catch (const std::exception&) {
    }
  }
  return Status(Reason::kParse, "xcomEntries: value is not a number");
}

std::string AirflowClient::ApiPrefix() const {
  return config_.url + (config_.api == AirflowConfig::Api::kV1 ? "/api/v1" : "/api/v2");
}

Result<Secret> AirflowClient::Token(bool refresh, const Deadline& deadline) {
  if (!config_.token.empty()) return config_.token;
  MutexLock lock(mu_);
  if (!refresh && !token_.empty()) return token_;
  HttpRequest req{.method = "POST", .url = config_.url + "/auth/token"};
  req.headers = {{"Content-Type", "application/json"}};
  req.body = json{{"username", config_.username}, {"password", config_.password.reveal()}}.dump();
  auto r = http_.Do(req, deadline);
  if (!r.ok()) return r.status();
  if (r->status != 200 && r->status != 201) return HttpError(*r, "POST /auth/token");
  auto j = ParseJson(r->body, "POST /auth/token");
  if (!j.ok()) return j.status();
  auto tok = j->find("access_token");
  if (tok == j->end() || !tok->is_string())
    return Status(Reason::kParse, "POST /auth/token: answer has no access_token");
  token_ = Secret(tok->get<std::string>());
  return token_;
}

Result<HttpResponse> AirflowClient::SendWith(const std::string& method, const std::string& path,
                                             const std::string& body,
                                             const std::optional<Secret>& token,
                                             const Deadline& deadline) {
  HttpRequest req{.method = method, .url = ApiPrefix() + path};
  req.headers = {{"Accept", "application/json"}};
  if (method != "GET") {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
  }
  if (token)
    req.bearer_token = *token;
  else
    req.basic_auth = std::make_pair(config_.username, config_.password);
  return http_.Do(req, deadline);
}

Result<HttpResponse> AirflowClient::Send(const std::string& method, const std::string& path,
                                         const std::string& body, const Deadline& deadline) {
  if (config_.api == AirflowConfig::Api::kV1)
    return SendWith(method, path, body, std::nullopt, deadline);
  auto token = Token(false, deadline);
  if (!token.ok()) return token.status();
  auto r = SendWith(method, path, body, *token, deadline);
  if (!r.ok() || r->status != 401 || !config_.token.empty()) return r;
  token = Token(true, deadline);  // expired: log in again, once
  if (!token.ok()) return token.status();
  return SendWith(method, path, body, *token, deadline);
}

Result<HttpResponse> AirflowClient::Get(const std::string& path, const Deadline& deadline) {
  return Send("GET", path, "", deadline);
}

Result<std::vector<DagRun>> AirflowClient::ListRuns(const std::string& dag_id, int limit,
                                                    const Deadline& deadline) {
  std::string path =
      "/dags/" + UrlEscape(dag_id) + "/dagRuns?order_by=-start_date&limit=" + std::to_string(limit);
  auto r = Get(path, deadline);
  if (!r.ok()) return r.status();
  if (r->status != 200) return HttpError(*r, "GET dagRuns of " + dag_id);
  auto runs = ParseDagRuns(r->body);
  if (!runs.ok()) return Status(Reason::kParse, dag_id + ": " + runs.status().message());
  return runs;
}

Result<AirflowHealth> AirflowClient::Health(const Deadline& deadline) {
  auto r = Get(config_.api == AirflowConfig::Api::kV1 ? "/health" : "/monitor/health", deadline);
  if (!r.ok()) return r.status();
  if (r->status != 200) return HttpError(*r, "GET health");
  return ParseAirflowHealth(r->body);
}

Result<std::optional<double>> AirflowClient::XcomNumber(const std::string& dag_id,
                                                        const std::string& run_id,
                                                        const XcomRef& ref,
                                                        const Deadline& deadline) {
  std::string path = "/dags/" + UrlEscape(dag_id) + "/dagRuns/" + UrlEscape(run_id) +
                     "/taskInstances/" + UrlEscape(ref.task_id) + "/xcomEntries/" +
                     UrlEscape(ref.key);
  auto r = Get(path, deadline);
  if (!r.ok()) return r.status();
  if (r->status == 404) return std::optional<double>();
  if (r->status != 200) return HttpError(*r, "GET xcomEntries of " + dag_id);
  auto v = ParseXcomNumber(r->body);
  if (!v.ok()) return Status(Reason::kParse, dag_id + ": " + v.status().message());
  return std::optional<double>(*v);
}

}  // namespace usdcop
