#include "sources/alertmanager_client.h"

#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/units.h"

namespace usdcop {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

constexpr const char* kAlertsPath =
    "/alerts?active=true&silenced=true&inhibited=true&unprocessed=true";

Status ParseError(const std::string& what) { return Status(Reason::kParse, what); }

// The JSON of an answer; never quoted in a message.
std::optional<json> ParseBody(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// obj[key] as a string: "" when absent or null, nullopt when of another type.
std::optional<std::string> StringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// obj[key] as a list of strings: empty when absent or null, nullopt when not a list of strings.
std::optional<Strings> StringList(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Strings();
  if (!it->is_array()) return std::nullopt;
  Strings out;
  for (const json& s : *it) {
    if (!s.is_string()) return std::nullopt;
    out.push_back(s.get<std::string>());
  }
  return out;
}

// obj[key] as a labelSet (a map of strings): empty when absent or null, nullopt when not one.
std::optional<std::map<std::string, std::string>> LabelSet(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::map<std::string, std::string>();
  if (!it->is_object()) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) return std::nullopt;
    out[name] = value.get<std::string>();
  }
  return out;
}

// A list of receiver objects {name} as their names; nullopt when it is not one.
std::optional<Strings> ReceiverNames(const json& list) {
  if (!list.is_array()) return std::nullopt;
  Strings out;
  for (const json& r : list) {
    if (!r.is_object() || !r.contains("name") || !r["name"].is_string()) return std::nullopt;
    out.push_back(r["name"].get<std::string>());
  }
  return out;
}

std::string ValueOf(const std::map<std::string, std::string>& set, const std::string& key) {
  auto it = set.find(key);
  return it == set.end() ? "" : it->second;
}

// The alert's status: {state, silencedBy, inhibitedBy}; "" on success, else what is wrong.
std::string ReadAlertStatus(const json& a, AlertmanagerAlert& out) {
  auto status = a.find("status");
  if (status == a.end() || !status->is_object()) return "has no status";
  auto state = StringField(*status, "state");
  if (!state || state->empty()) return "has no status.state";
  auto silenced = StringList(*status, "silencedBy");
  auto inhibited = StringList(*status, "inhibitedBy");
  if (!silenced || !inhibited)
    return "status.silencedBy or status.inhibitedBy is not a list of strings";
  out.state = *state;
  out.silenced_by = std::move(*silenced);
  out.inhibited_by = std::move(*inhibited);
  return "";
}

// One gettableAlert; "" on success, else what is wrong with it (never a value of the answer's).
std::string ReadAlert(const json& a, AlertmanagerAlert& out) {
  if (!a.is_object()) return "is not an object";
  auto fingerprint = StringField(a, "fingerprint");
  if (!fingerprint || fingerprint->empty()) return "has no fingerprint";
  out.fingerprint = *fingerprint;
  auto labels = LabelSet(a, "labels");
  auto annotations = LabelSet(a, "annotations");
  if (!labels || !annotations) return "labels or annotations is not a map of strings";
  out.labels = std::move(*labels);
  out.alertname = ValueOf(out.labels, "alertname");
  out.severity = ValueOf(out.labels, "severity");
  out.component = ValueOf(out.labels, "component");
  out.summary = ValueOf(*annotations, "summary");
  out.runbook_url = ValueOf(*annotations, "runbook_url");
  if (std::string problem = ReadAlertStatus(a, out); !problem.empty()) return problem;
  auto starts = StringField(a, "startsAt");
  auto starts_at = starts ? ParseTimestamp(*starts) : std::nullopt;
  if (!starts_at) return "startsAt is not an RFC 3339 time";
  out.starts_at = ToUnixSeconds(*starts_at);
  auto it = a.find("receivers");
  auto receivers = it == a.end() || it->is_null() ? Strings() : ReceiverNames(*it);
  if (!receivers) return "receivers is not a list of {name}";
  out.receivers = std::move(*receivers);
  return "";
}

}  // namespace

Result<std::vector<AlertmanagerAlert>> ParseAlertmanagerAlerts(const std::string& body) {
  auto j = ParseBody(body);
  if (!j || !j->is_array()) return ParseError("/api/v2/alerts: answer is not a JSON list");
  std::vector<AlertmanagerAlert> out;
  for (size_t i = 0; i < j->size(); ++i) {
    const json& a = (*j)[i];
    AlertmanagerAlert alert;
    if (std::string problem = ReadAlert(a, alert); !problem.empty())
      return ParseError("/api/v2/alerts: alert [" + std::to_string(i) + "] " + problem);
    out.push_back(std::move(alert));
  }
  return out;
}

Result<std::vector<std::string>> ParseAlertmanagerReceivers(const std::string& body) {
  auto j = ParseBody(body);
  auto names = j ? ReceiverNames(*j) : std::nullopt;
  if (!names) return ParseError("/api/v2/receivers: answer is not a JSON list of {name}");
  return *names;
}

Result<AlertmanagerCluster> ParseAlertmanagerStatus(const std::string& body) {
  auto j = ParseBody(body);
  if (!j || !j->is_object()) return ParseError("/api/v2/status: answer is not a JSON object");
  auto cluster = j->find("cluster");
  if (cluster == j->end() || !cluster->is_object())
    return ParseError("/api/v2/status: answer has no cluster");
  auto status = StringField(*cluster, "status");
  auto name = StringField(*cluster, "name");
  if (!status || status->empty() || !name)
    return ParseError("/api/v2/status: cluster has no status");
  AlertmanagerCluster out{*status, *name, 0, ""};
  if (auto peers = cluster->find("peers"); peers != cluster->end() && !peers->is_null()) {
    if (!peers->is_array()) return ParseError("/api/v2/status: cluster.peers is not a list");
    out.peers = peers->size();
  }
  if (auto info = j->find("versionInfo"); info != j->end() && info->is_object())
    out.version = StringField(*info, "version").value_or("");
  return out;
}

Result<std::string> AlertmanagerClient::Get(const std::string& path, const Deadline& deadline) {
  HttpRequest req{.url = config_.url + "/api/v2" + path};
  req.headers = {{"Accept", "application/json"}};
  req.ca_file = config_.ca_file;
  if (!config_.username.empty())
    req.basic_auth = std::make_pair(config_.username, config_.password);
  auto r = http_.Do(req, deadline);  // its errors name the path only
  if (!r.ok()) return r.status();
  const std::string what =
      "GET " + UrlPathForLog(req.url) + " answered HTTP " + std::to_string(r->status);
  if (r->status == 401 || r->status == 403)
    return Status(Reason::kAuth,
                  what + (config_.username.empty()
                              ? " (it asks for credentials: set probes.alertmanager.username and "
                                "password_file)"
                              : " (check probes.alertmanager.username and its password)"));
  if (r->status != 200) return Status(Reason::kHttpStatus, what);
  return r->body;
}

Result<std::vector<AlertmanagerAlert>> AlertmanagerClient::Alerts(const Deadline& deadline) {
  auto body = Get(kAlertsPath, deadline);
  if (!body.ok()) return body.status();
  return ParseAlertmanagerAlerts(*body);
}

Result<std::vector<std::string>> AlertmanagerClient::Receivers(const Deadline& deadline) {
  auto body = Get("/receivers", deadline);
  if (!body.ok()) return body.status();
  return ParseAlertmanagerReceivers(*body);
}

Result<AlertmanagerCluster> AlertmanagerClient::Cluster(const Deadline& deadline) {
  auto body = Get("/status", deadline);
  if (!body.ok()) return body.status();
  return ParseAlertmanagerStatus(*body);
}

}  // namespace usdcop
