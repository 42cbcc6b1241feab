#include "airflow/control.h"

#include <algorithm>

#include "airflow/dags.h"
#include "airflow/json.h"
#include "shared/http_util.h"
#include "shared/log.h"

namespace usdcop::sim {
namespace {

constexpr int64_t kMaxRecords = 1'000'000'000'000;
constexpr double kMaxOffsetSeconds = 10.0 * 365 * 86400;
constexpr size_t kMaxDagsPerRequest = 10000;
constexpr int64_t kMaxRunsEach = 1000;
constexpr size_t kMaxRunsPerRequest = 200000;
constexpr double kMaxHangSeconds = 600;

Micros SecondsToMicros(double seconds) {
  return std::chrono::duration_cast<Micros>(std::chrono::duration<double>(seconds));
}

// The {dag_id} path parameter, or an error when it is not an Airflow id.
Result<std::string> DagIdParam(const httplib::Request& req) {
  std::string dag_id = PathParam(req, 1);
  if (IsValidId(dag_id)) return dag_id;
  return BadInput("dag_id", "dag_id must be 1 to 250 letters, digits, '_', '-' or '.'");
}

std::optional<RunState> StateField(FieldReader& body) {
  auto text = body.String("state", true);
  if (!text) return std::nullopt;
  auto state = ParseRunState(*text);
  if (!state) body.Fail("state", "state must be one of queued, running, success, failed");
  return state;
}

// The K finished runs of POST /sim/airflow/dags: one per period, the newest ending recently.
void AddHistory(AirflowModel& model, const std::string& dag_id, int64_t count) {
  Micros period = DagPeriod(dag_id);
  Micros duration = std::min<Micros>(std::chrono::seconds(60), period / 5);
  Time now = Now();
  for (int64_t i = count; i > 0; --i) {
    model.AddRun(dag_id, NewRun{.state = RunState::kSuccess,
                                .type = RunType::kScheduled,
                                .start = now - i * period,
                                .duration = duration,
                                .interval = period,
                                .records = DagRecords(dag_id)});
  }
}

std::optional<bool> HealthField(FieldReader& body, const char* key) {
  auto text = body.String(key, false);
  if (!text || *text == "healthy") return text ? std::optional<bool>(true) : std::nullopt;
  if (*text == "unhealthy") return false;
  body.Fail(key, std::string(key) + " must be healthy or unhealthy");
  return std::nullopt;
}

struct AirflowFaultRequest {
  AirflowFault fault = AirflowFault::kNone;
  std::optional<std::string> dag_id;
  double hang_seconds = 60;
};

Result<AirflowFaultRequest> ParseAirflowFaultRequest(FieldReader& body) {
  body.RejectUnknown({"fault", "dag_id", "hang_seconds"});
  AirflowFaultRequest request;
  request.fault = body.OneOf("fault", kAirflowFaultNames, true).value_or(AirflowFault::kNone);
  request.dag_id = body.String("dag_id", false);
  if (request.dag_id && request.fault != AirflowFault::kFailNext) {
    body.Fail("dag_id", "dag_id goes with fail_next only");
  }
  if (request.dag_id && !IsValidId(*request.dag_id)) body.Fail("dag_id", "not a valid dag_id");
  request.hang_seconds = body.Number("hang_seconds", 0, kMaxHangSeconds, false).value_or(60);
  if (!body.ok()) return body.error();
  return request;
}

}  // namespace

json DescribeAirflow(const AirflowModel& model, const FaultInjector& faults,
                     const TokenStore& tokens) {
  auto hang = std::chrono::duration<double>(faults.hang_time()).count();
  return {{"fault", kAirflowFaultNames[faults.Current()]},
          {"hang_seconds", hang},
          {"hanging_requests", faults.hanging()},
          {"tokens", tokens.size()},
          {"health", HealthJson(model.Health(), ApiVersion::kV2)},
          {"dags", SnapshotJson(model.Snapshot())}};
}

void AirflowControl::Register(httplib::Server& server) {
  auto bind = [this](void (AirflowControl::*fn)(const Request&, Response&)) {
    return OptionalBody([this, fn](const Request& req, Response& res) { (this->*fn)(req, res); });
  };
  server.Post("/sim/airflow/dags/([^/]+)/runs", bind(&AirflowControl::AddRun));
  server.Post("/sim/airflow/dags/([^/]+)/state", bind(&AirflowControl::SetState));
  server.Post("/sim/airflow/dags", bind(&AirflowControl::AddDags));
  server.Post("/sim/airflow/fault", bind(&AirflowControl::SetFault));
  server.Post("/sim/airflow/health", bind(&AirflowControl::SetHealth));
  server.Get("/sim/airflow/actions",
             [this](const Request&, Response& res) { ReplyJson(res, 200, actions_.Json()); });
}

void AirflowControl::ClearFaults() {
  faults_.Set(AirflowFault::kNone, faults_.hang_time());
  model_.ClearFailNext();
}

void AirflowControl::AddRun(const Request& req, Response& res) {
  auto dag_id = DagIdParam(req);
  if (!dag_id.ok()) return ReplyError(res, dag_id.error());
  FieldReader body(req.body);
  body.RejectUnknown({"state", "records", "start_offset_seconds", "duration_seconds"});
  auto state = StateField(body);
  auto records = body.Int("records", 0, kMaxRecords, false);
  auto offset = body.Number("start_offset_seconds", -kMaxOffsetSeconds, kMaxOffsetSeconds, false);
  auto duration = body.Number("duration_seconds", 0, kMaxOffsetSeconds, false);
  if (!body.ok()) return ReplyError(res, body.error());
  NewRun spec{.state = *state, .start = Now() + SecondsToMicros(offset.value_or(0))};
  if (duration) spec.duration = SecondsToMicros(*duration);
  spec.records = records;
  ReplyJson(res, 200, RunJson(model_.AddRun(*dag_id, spec), ApiVersion::kV1));
}

void AirflowControl::SetState(const Request& req, Response& res) {
  auto dag_id = DagIdParam(req);
  if (!dag_id.ok()) return ReplyError(res, dag_id.error());
  FieldReader body(req.body);
  body.RejectUnknown({"state", "records"});
  auto state = StateField(body);
  auto records = body.Int("records", 0, kMaxRecords, false);
  if (!body.ok()) return ReplyError(res, body.error());
  ReplyJson(res, 200, RunJson(model_.SetNewestRunState(*dag_id, *state, records), ApiVersion::kV1));
}

void AirflowControl::AddDags(const Request& req, Response& res) {
  FieldReader body(req.body);
  body.RejectUnknown({"dag_ids", "runs_each"});
  auto ids = body.StringList("dag_ids", true);
  auto runs_each = body.Int("runs_each", 0, kMaxRunsEach, false).value_or(0);
  if (ids && ids->size() > kMaxDagsPerRequest) body.Fail("dag_ids", "at most 10000 DAGs");
  if (ids && ids->size() * static_cast<size_t>(runs_each) > kMaxRunsPerRequest) {
    body.Fail("runs_each", "at most 200000 runs in one request");
  }
  for (size_t i = 0; ids && i < ids->size(); ++i) {
    if (!IsValidId((*ids)[i])) body.Fail("dag_ids", "not a valid dag_id: \"" + (*ids)[i] + "\"");
  }
  if (!body.ok()) return ReplyError(res, body.error());
  auto added = model_.AddDags(*ids);
  for (const std::string& id : *ids) AddHistory(model_, id, runs_each);
  ReplyJson(res, 200, {{"created", added}, {"runs_each", runs_each}});
}

void AirflowControl::SetFault(const Request& req, Response& res) {
  FieldReader body(req.body);
  auto request = ParseAirflowFaultRequest(body);
  if (!request.ok()) return ReplyError(res, request.error());
  if (request->fault == AirflowFault::kNone) {
    ClearFaults();
  } else if (request->fault == AirflowFault::kFailNext) {
    model_.SetFailNext(request->dag_id);
  } else {
    faults_.Set(request->fault, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::duration<double>(request->hang_seconds)));
  }
  std::string name(kAirflowFaultNames[request->fault]);
  Log("fault set: " + name + (request->dag_id ? " dag_id=" + *request->dag_id : ""));
  ReplyJson(res, 200,
            {{"fault", name},
             {"dag_id", request->dag_id ? json(*request->dag_id) : json(nullptr)},
             {"hang_seconds", request->hang_seconds}});
}

void AirflowControl::SetHealth(const Request& req, Response& res) {
  FieldReader body(req.body);
  body.RejectUnknown({"metadatabase", "scheduler", "triggerer", "dag_processor"});
  std::vector<std::pair<Component, bool>> changes;
  for (Component c : kComponents) {
    std::string key(ComponentName(c));
    auto healthy = HealthField(body, key.c_str());
    if (healthy) changes.emplace_back(c, *healthy);
  }
  if (!body.ok()) return ReplyError(res, body.error());
  for (const auto& [component, healthy] : changes) model_.SetHealthy(component, healthy);
  ReplyJson(res, 200, HealthJson(model_.Health(), ApiVersion::kV2));
}

}  // namespace usdcop::sim
