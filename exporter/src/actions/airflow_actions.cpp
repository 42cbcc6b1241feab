#include "actions/airflow_actions.h"

#include "actions/peer_result.h"

namespace usdcop {
namespace {

using nlohmann::json;

// The fields of a run that an operator wants back.
json RunSummary(const json& run) {
  json out = json::object();
  for (const char* key : {"dag_id", "dag_run_id", "state", "run_type", "logical_date",
                          "execution_date", "start_date"})
    if (run.is_object() && run.contains(key)) out[key] = run[key];
  return out;
}

}  // namespace

ActionResult AirflowActions::Trigger(const ActionCall& call, const std::string& dag_id,
                                     const std::string& action) {
  json body = {{"conf", {{"requested_by", call.caller.name}, {"action", action}}},
               {"note", action + " requested by " + call.caller.name + " through usdcop_exporter"}};
  if (client_->v2()) body["logical_date"] = nullptr;
  const std::string what = "trigger " + dag_id;
  auto r =
      client_->Send("POST", "/dags/" + UrlEscape(dag_id) + "/dagRuns", body.dump(), call.deadline);
  if (!r.ok()) return PeerFailure("Airflow", what, r.status());
  if (r->status != 200 && r->status != 201) return PeerRefused("Airflow", what, *r);
  json run = json::parse(r->body, nullptr, false);
  const std::string run_id = TextIn(run, "dag_run_id");
  return {200,
          {{"action", action}, {"dag_id", dag_id}, {"dag_run", RunSummary(run)}},
          "triggered " + dag_id + (run_id.empty() ? "" : " run " + run_id)};
}

ActionResult AirflowActions::RestartComponent(const ActionCall& call, const std::string& dag_id) {
  auto runs = client_->ListRuns(dag_id, 1, call.deadline);
  if (!runs.ok()) return PeerFailure("Airflow", "list the runs of " + dag_id, runs.status());
  if (runs->empty()) {
    std::string error = dag_id + " has no run to restart: use force-sync to start one";
    return {409, {{"error", error}, {"field", "layer"}}, error};
  }
  const std::string run_id = runs->front().run_id;
  const std::string what = "clear run " + run_id + " of " + dag_id;
  auto r = client_->Send("POST",
                         "/dags/" + UrlEscape(dag_id) + "/dagRuns/" + UrlEscape(run_id) + "/clear",
                         json{{"dry_run", false}}.dump(), call.deadline);
  if (!r.ok()) return PeerFailure("Airflow", what, r.status());
  if (r->status != 200) return PeerRefused("Airflow", what, *r);
  return {200,
          {{"action", "restart-component"},
           {"dag_id", dag_id},
           {"dag_run_id", run_id},
           {"previous_state", runs->front().state}},
          "cleared run " + run_id + " of " + dag_id + " (was " + runs->front().state + ")"};
}

ActionResult AirflowActions::ClearErrors(const ActionCall& call, const std::string& dag_id) {
  Duration since = std::chrono::hours(24);
  if (call.params.contains("since"))
    since = *ParseDuration(call.params["since"].get<std::string>());
  json body = {{"dry_run", false},
               {"only_failed", true},
               {"reset_dag_runs", true},
               {"start_date", FormatTimestamp(clock_.Now() - since)}};
  const std::string what = "clear the failed tasks of " + dag_id;
  auto r = client_->Send("POST", "/dags/" + UrlEscape(dag_id) + "/clearTaskInstances", body.dump(),
                         call.deadline);
  if (!r.ok()) return PeerFailure("Airflow", what, r.status());
  if (r->status != 200) return PeerRefused("Airflow", what, *r);
  json j = json::parse(r->body, nullptr, false);
  json cleared = json::array();
  if (j.is_object() && j.contains("task_instances") && j["task_instances"].is_array())
    for (const json& ti : j["task_instances"])
      if (ti.is_object() && cleared.size() < 100)
        cleared.push_back(
            {{"dag_run_id", TextIn(ti, "dag_run_id")}, {"task_id", TextIn(ti, "task_id")}});
  return {200,
          {{"action", "clear-errors"},
           {"dag_id", dag_id},
           {"since", FormatDuration(since)},
           {"cleared_task_instances", cleared}},
          "cleared " + std::to_string(cleared.size()) + " failed task instance(s) of " + dag_id};
}

}  // namespace usdcop
