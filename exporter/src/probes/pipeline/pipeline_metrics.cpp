// usdcop_pipeline_* and usdcop_airflow_*: from the pipeline probe's result.
#include "exposition/family_builder.h"
#include "probes/pipeline/pipeline_kind.h"

namespace usdcop {
namespace {

void RenderLayer(const LayerResult& l, FamilyBuilder& out) {
  const Labels id = {{"layer", l.layer}, {"dag_id", l.dag_id}};
  if (l.current) {
    for (LayerStatus s : kAllLayerStatuses) {
      Labels labels = id;
      labels.emplace_back("status", LayerStatusName(s));
      out.Gauge("usdcop_pipeline_status",
                "State of the layer (state set: 1 on the current state) as of the pipeline probe's "
                "last run.",
                labels, l.status == s ? 1 : 0);
    }
    if (l.last_run_start)
      out.Gauge("usdcop_pipeline_last_run_start_timestamp_seconds",
                "Start of the layer's newest run.", id, *l.last_run_start);
    if (l.last_duration)
      out.Gauge("usdcop_pipeline_last_run_duration_seconds",
                "Duration of the layer's newest finished run.", id, *l.last_duration);
  }
  if (l.last_success)
    out.Gauge("usdcop_pipeline_last_success_timestamp_seconds",
              "End of the layer's newest successful run.", id, *l.last_success);
  // Left out when the state store could not be read: a counter never goes below what it was.
  for (auto [state, count] :
       {std::pair{"success", l.runs_success}, std::pair{"failed", l.runs_failed}}) {
    if (!count) continue;
    Labels labels = id;
    labels.emplace_back("state", state);
    out.Counter("usdcop_pipeline_runs_total",
                "Finished runs of the layer observed by the exporter, each counted once (kept "
                "across restarts).",
                labels, static_cast<double>(*count));
  }
  if (l.records)
    out.Counter("usdcop_pipeline_records_processed_total",
                "Records reported by the layer's finished runs (XCom) or status file.",
                {{"layer", l.layer}}, *l.records);
}

}  // namespace

void PipelineKind::Render(const PipelineResult& result, FamilyBuilder& out) {
  for (const LayerResult& l : result.layers) RenderLayer(l, out);
  if (!result.airflow) return;
  for (const auto& c : result.airflow->components)
    out.Gauge("usdcop_airflow_component_healthy",
              "1 if Airflow's health endpoint reports the component healthy.",
              {{"component", c.name}}, c.healthy ? 1 : 0);
  if (result.airflow->scheduler_heartbeat)
    out.Gauge("usdcop_airflow_scheduler_heartbeat_timestamp_seconds",
              "The Airflow scheduler's latest heartbeat, from its health endpoint.", {},
              *result.airflow->scheduler_heartbeat);
}

}  // namespace usdcop
