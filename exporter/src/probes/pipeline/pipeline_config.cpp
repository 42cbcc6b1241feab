// probes.pipeline: the Airflow connection and the L0..L5 layers.
#include <regex>

#include "config/sections.h"
#include "probes/pipeline/pipeline_kind.h"

namespace usdcop {
namespace {

// Airflow's own rule for DAG ids (KEY_REGEX in airflow/utils/helpers.py); it also keeps the id
// safe to place in a URL path.
const std::regex kDagId("^[A-Za-z0-9_.\\-]{1,250}$");
const std::regex kLayer("^[A-Za-z0-9_]{1,32}$");

std::optional<AirflowConfig> ParseAirflow(FieldReader& r, const YAML::Node& node,
                                          const std::string& path) {
  if (!r.Map(node, path,
             {"url", "api", "username", "password_file", "password_env", "token_file", "token_env",
              "password", "token"}))
    return std::nullopt;
  AirflowConfig a;
  if (auto url = r.HttpUrl(node, path, "url", true, "http://127.0.0.1:8080")) {
    while (!url->empty() && url->back() == '/') url->pop_back();
    a.url = *url;
  }
  a.api = r.Enum(node, path, "api", {"v1", "v2"}).value_or("v1") == "v2" ? AirflowConfig::Api::kV2
                                                                         : AirflowConfig::Api::kV1;
  a.username = r.String(node, path, "username").value_or("");
  a.password = r.SecretField(node, path, "password", false).value_or(Secret());
  a.token = r.SecretField(node, path, "token", false).value_or(Secret());
  // A secret that was named but could not be read is reported already; do not pile on.
  auto named = [&node](const char* a_key, const char* b_key) {
    return node.IsMap() && (node[a_key].IsDefined() || node[b_key].IsDefined());
  };
  const bool password_named = named("password_file", "password_env");
  const bool token_named = named("token_file", "token_env");
  if (a.api == AirflowConfig::Api::kV1) {
    if (!a.token.empty())
      r.Error(FieldReader::At(node, "token_file"), Join(path, "token_file"),
              "bearer tokens are for api: v2 (Airflow 3); v1 uses username and password");
    if (a.username.empty() || !password_named)
      r.Error(node, path, "api v1 needs username and password_file (or password_env)");
  } else if (!token_named && (a.username.empty() || !password_named)) {
    r.Error(node, path, "api v2 needs token_file/token_env, or username and password_file");
  }
  return a;
}

std::optional<XcomRef> ParseXcom(FieldReader& r, const YAML::Node& node, const std::string& path) {
  if (!r.Map(node, path, {"task_id", "key"})) return std::nullopt;
  auto task = r.String(node, path, "task_id", true);
  auto key = r.String(node, path, "key", true);
  if (!task || !key) return std::nullopt;
  return XcomRef{*task, *key};
}

std::optional<LayerConfig> ParseLayer(FieldReader& r, const YAML::Node& node,
                                      const std::string& path) {
  if (!r.Map(node, path, {"layer", "dag_id", "status_file", "expected_every", "records_xcom"}))
    return std::nullopt;
  LayerConfig l;
  l.layer = ParseLayerName(r, node, path);
  l.dag_id = r.String(node, path, "dag_id").value_or("");
  l.status_file = r.FilePath(node, path, "status_file").value_or("");
  if (l.dag_id.empty() == l.status_file.empty())
    r.Error(node, path, "give exactly one of dag_id or status_file");
  if (!l.dag_id.empty() && !std::regex_match(l.dag_id, kDagId))
    r.Error(node["dag_id"], Join(path, "dag_id"),
            "\"" + l.dag_id + "\" is not an Airflow DAG id (letters, digits, _ . -)");
  l.expected_every = r.Dur(node, path, "expected_every");
  if (node.IsMap() && node["records_xcom"].IsDefined()) {
    l.records_xcom = ParseXcom(r, node["records_xcom"], Join(path, "records_xcom"));
    if (l.dag_id.empty())
      r.Error(node["records_xcom"], Join(path, "records_xcom"),
              "only a dag_id layer reports records through XCom (a status file has `records`)");
  }
  return l;
}

}  // namespace

std::string ParseLayerName(FieldReader& r, const YAML::Node& node, const std::string& path) {
  std::string layer = r.String(node, path, "layer", true).value_or("");
  if (layer.empty() || std::regex_match(layer, kLayer)) return layer;
  r.Error(node["layer"], Join(path, "layer"),
          "\"" + layer + "\" must be letters, digits and _ (e.g. L0)");
  return "";
}

void CheckTimeoutBelowInterval(FieldReader& r, const YAML::Node& node, const std::string& path,
                               Duration interval, Duration timeout) {
  if (timeout < interval) return;
  r.Error(FieldReader::At(node, "timeout"), Join(path, "timeout"),
          FormatDuration(timeout) + " must be shorter than interval " + FormatDuration(interval));
}

std::optional<PipelineProbeConfig> PipelineKind::Parse(FieldReader& r, const YAML::Node& node,
                                                       const std::string& path) {
  if (!r.Map(node, path, {"interval", "timeout", "airflow", "runs_per_request", "layers"}))
    return std::nullopt;
  PipelineProbeConfig p;
  p.interval = r.Dur(node, path, "interval").value_or(p.interval);
  p.timeout = r.Dur(node, path, "timeout").value_or(p.timeout);
  CheckTimeoutBelowInterval(r, node, path, p.interval, p.timeout);
  p.runs_per_request = r.Int(node, path, "runs_per_request", 1, 100).value_or(p.runs_per_request);
  p.layers =
      ParseLayerList(r, node, Join(path, "layers"), "{layer, dag_id | status_file}", ParseLayer);
  bool needs_airflow = false;
  for (const LayerConfig& l : p.layers) needs_airflow = needs_airflow || !l.dag_id.empty();
  if (node.IsMap() && node["airflow"].IsDefined())
    p.airflow = ParseAirflow(r, node["airflow"], Join(path, "airflow"));
  else if (needs_airflow)
    r.Error(node, Join(path, "airflow"), "is required: a layer names a dag_id");
  return p;
}

}  // namespace usdcop
