#include "actions/alertmanager_actions.h"

#include "actions/peer_result.h"

namespace usdcop {
namespace {

using nlohmann::json;

std::string LabelOf(const json& alert, const char* name) {
  const json& labels = alert.contains("labels") ? alert["labels"] : json::object();
  return labels.is_object() && labels.contains(name) && labels[name].is_string()
             ? labels[name].get<std::string>()
             : "";
}

}  // namespace

Result<HttpResponse> AlertmanagerActions::Call(const std::string& method, const std::string& path,
                                               const std::string& body, const Deadline& deadline) {
  HttpRequest req{.method = method, .url = target_.url + path};
  req.headers = {{"Accept", "application/json"}};
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
  }
  req.ca_file = target_.ca_file;
  if (!target_.username.empty())
    req.basic_auth = std::make_pair(target_.username, target_.password);
  return http_.Do(req, deadline);
}

ActionResult AlertmanagerActions::Acknowledge(const ActionCall& call) {
  const std::string fingerprint = call.params.value("fingerprint", "");
  const std::string alertname = call.params.value("alertname", "");
  if (fingerprint.empty() == alertname.empty())
    return {400,
            {{"error", "give fingerprint or alertname (one of them)"}, {"field", "fingerprint"}},
            "no alert named"};
  Duration for_ = acknowledge_for_;
  if (call.params.contains("duration"))
    for_ = *ParseDuration(call.params["duration"].get<std::string>());
  // `user`: whom the caller acts for (the replaced system's scripts send it); createdBy stays the
  // caller.
  const std::string user = call.params.value("user", "");
  std::string comment = "acknowledged through usdcop_exporter";
  if (!user.empty()) comment += " for " + user;
  if (call.params.contains("comment")) comment += ": " + call.params["comment"].get<std::string>();
  std::string path = "/api/v2/alerts?active=true&silenced=false&inhibited=true&unprocessed=false";
  if (!alertname.empty()) path += "&filter=" + UrlEscape("alertname=\"" + alertname + "\"");
  auto r = Call("GET", path, "", call.deadline);
  if (!r.ok()) return PeerFailure("Alertmanager", "list alerts", r.status());
  if (r->status != 200) return PeerRefused("Alertmanager", "GET /api/v2/alerts", *r);
  json alerts = json::parse(r->body, nullptr, false);
  if (!alerts.is_array())
    return {502,
            {{"error", "Alertmanager's /api/v2/alerts answer is not a list"}, {"field", "action"}},
            "bad answer"};
  const SysTime now = clock_.Now();
  json acknowledged = json::array();
  for (const json& a : alerts) {
    if (!a.is_object() || (!fingerprint.empty() && TextIn(a, "fingerprint") != fingerprint))
      continue;
    if (!a.contains("labels") || !a["labels"].is_object()) continue;
    if (acknowledged.size() >= 50) break;
    json matchers = json::array();
    for (const auto& [name, value] : a["labels"].items())
      if (value.is_string())
        matchers.push_back(
            {{"name", name}, {"value", value}, {"isRegex", false}, {"isEqual", true}});
    json silence = {{"matchers", matchers},
                    {"startsAt", FormatTimestamp(now)},
                    {"endsAt", FormatTimestamp(now + for_)},
                    {"createdBy", call.caller.name},
                    {"comment", comment}};
    auto s = Call("POST", "/api/v2/silences", silence.dump(), call.deadline);
    if (!s.ok()) return PeerFailure("Alertmanager", "create a silence", s.status());
    if (s->status != 200) return PeerRefused("Alertmanager", "POST /api/v2/silences", *s);
    json created = json::parse(s->body, nullptr, false);
    const std::string id = TextIn(created, "silenceID");
    AlertEpisode e;
    e.fingerprint = TextIn(a, "fingerprint");
    e.alertname = LabelOf(a, "alertname");
    e.severity = LabelOf(a, "severity");
    auto starts = ParseTimestamp(TextIn(a, "startsAt"));
    e.starts_at = starts ? ToUnixSeconds(*starts) : ToUnixSeconds(now);
    lifecycle_.Acknowledge(e, call.caller.name, id, ToUnixSeconds(now + for_));
    acknowledged.push_back({{"fingerprint", e.fingerprint},
                            {"alertname", e.alertname},
                            {"severity", e.severity},
                            {"silence_id", id},
                            {"ends_at", FormatTimestamp(now + for_)}});
  }
  if (acknowledged.empty()) {
    std::string error =
        "no firing alert " +
        (fingerprint.empty() ? "named " + alertname : "with fingerprint " + fingerprint);
    return {404,
            {{"error", error}, {"field", fingerprint.empty() ? "alertname" : "fingerprint"}},
            error};
  }
  return {200,
          {{"action", "acknowledge-alert"}, {"acknowledged", acknowledged}},
          "acknowledged " + std::to_string(acknowledged.size()) + " alert(s) for " +
              FormatDuration(for_) + (user.empty() ? "" : " for user " + user)};
}

ActionResult AlertmanagerActions::Expire(const ActionCall& call,
                                         const std::vector<AlertEpisode>& episodes,
                                         const std::string& action) {
  json expired = json::array();
  for (const AlertEpisode& e : episodes) {
    auto r = Call("DELETE", "/api/v2/silence/" + UrlEscape(e.silence_id), "", call.deadline);
    if (!r.ok()) return PeerFailure("Alertmanager", "expire silence " + e.silence_id, r.status());
    // 404: gone already (expired by hand, or garbage-collected); the acknowledgement is over too.
    if (r->status != 200 && r->status != 404)
      return PeerRefused("Alertmanager", "DELETE silence " + e.silence_id, *r);
    lifecycle_.SilenceExpired(e.key());
    expired.push_back(
        {{"fingerprint", e.fingerprint}, {"alertname", e.alertname}, {"silence_id", e.silence_id}});
  }
  return {200,
          {{"action", action}, {"expired", expired}},
          "expired " + std::to_string(expired.size()) + " acknowledgement silence(s)"};
}

ActionResult AlertmanagerActions::Resolve(const ActionCall& call) {
  const std::string fingerprint = call.params.value("fingerprint", "");
  const std::string alertname = call.params.value("alertname", "");
  const std::string silence_id = call.params.value("silence_id", "");
  if (fingerprint.empty() + alertname.empty() + silence_id.empty() != 2)
    return {
        400,
        {{"error", "give one of fingerprint, alertname or silence_id"}, {"field", "fingerprint"}},
        "no alert named"};
  std::vector<AlertEpisode> episodes;
  if (silence_id.empty()) {
    episodes = lifecycle_.Acknowledged(fingerprint, alertname);
  } else {
    for (const AlertEpisode& e : lifecycle_.Acknowledged("", ""))
      if (e.silence_id == silence_id) episodes.push_back(e);
    if (episodes.empty()) {  // a silence made elsewhere: expire it all the same
      AlertEpisode e;
      e.silence_id = silence_id;
      episodes.push_back(e);
    }
  }
  if (episodes.empty()) {
    std::string error =
        "no acknowledged alert " +
        (fingerprint.empty() ? "named " + alertname : "with fingerprint " + fingerprint);
    return {404,
            {{"error", error}, {"field", fingerprint.empty() ? "alertname" : "fingerprint"}},
            error};
  }
  return Expire(call, episodes, "resolve-alert");
}

ActionResult AlertmanagerActions::Reset(const ActionCall& call) {
  return Expire(call, lifecycle_.Acknowledged("", call.params.value("alertname", "")),
                "reset-alerts");
}

ActionResult AlertmanagerActions::TestNotification(const ActionCall& call) {
  const std::string severity = call.params.value("severity", "warning");
  const SysTime now = clock_.Now();
  json alert = {
      {"labels",
       {{"alertname", "UsdcopTestNotification"},
        {"severity", severity},
        {"component", "control"},
        {"requested_by", call.caller.name}}},
      {"annotations",
       {{"summary", "Test notification requested by " + call.caller.name},
        {"description", "Sent through usdcop_exporter's control API to check that " + severity +
                            " alerts reach their receivers. Nothing is wrong."}}},
      {"startsAt", FormatTimestamp(now)},
      {"endsAt", FormatTimestamp(now + std::chrono::minutes(5))}};
  auto r = Call("POST", "/api/v2/alerts", json::array({alert}).dump(), call.deadline);
  if (!r.ok()) return PeerFailure("Alertmanager", "post a test alert", r.status());
  if (r->status != 200) return PeerRefused("Alertmanager", "POST /api/v2/alerts", *r);
  return {200,
          {{"action", "test-notification"},
           {"alertname", "UsdcopTestNotification"},
           {"severity", severity}},
          "posted a " + severity + " test alert"};
}

}  // namespace usdcop
