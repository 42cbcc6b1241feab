// The pipeline probe's result as the control API shows it.
#include <nlohmann/json.hpp>

#include "probes/pipeline/pipeline_kind.h"
#include "probes/view_json.h"

namespace usdcop {
namespace {

using nlohmann::json;
using view_json::AgeOf;
using view_json::ArrayOf;
using view_json::Opt;

json LayerJson(const LayerResult& l, double now) {
  const double finished =
      static_cast<double>(l.runs_success.value_or(0) + l.runs_failed.value_or(0));
  return {{"layer", l.layer},
          {"dag_id", l.dag_id},
          {"current", l.current},
          {"status", LayerStatusName(l.status)},
          {"last_run_start", Opt(l.last_run_start)},
          {"last_success", Opt(l.last_success)},
          {"since_last_success_seconds", AgeOf(l.last_success, now)},
          {"last_run_duration_seconds", Opt(l.last_duration)},
          {"runs_succeeded", view_json::OptInt(l.runs_success)},
          {"runs_failed", view_json::OptInt(l.runs_failed)},
          {"error_ratio",
           finished > 0 ? json(static_cast<double>(l.runs_failed.value_or(0)) / finished) : json()},
          {"records_last_run", Opt(l.records)}};
}

json AirflowJson(const PipelineResult& p, double now) {
  if (!p.airflow) return json();
  json components = json::object();
  for (const auto& c : p.airflow->components)
    components[c.name] = c.healthy ? "healthy" : "unhealthy";
  return {{"components", components},
          {"scheduler_heartbeat", Opt(p.airflow->scheduler_heartbeat)},
          {"scheduler_heartbeat_age_seconds", AgeOf(p.airflow->scheduler_heartbeat, now)}};
}

}  // namespace

json PipelineKind::View(const PipelineResult& result, double now) {
  return {
      {"layers", ArrayOf(result.layers, [now](const LayerResult& l) { return LayerJson(l, now); })},
      {"airflow", AirflowJson(result, now)}};
}

}  // namespace usdcop
