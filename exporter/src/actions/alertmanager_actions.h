// The control API's Alertmanager actions, through its v2 API:
//   acknowledge-alert  a silence for each firing alert that `fingerprint` or `alertname` names,
//                      matching all its labels, createdBy the caller, for `duration` (default
//                      control.acknowledge_for), its comment naming `user` (whom the caller acts
//                      for) and `comment`; the acknowledgement is recorded (AlertLifecycle)
//   resolve-alert      expires the acknowledgement silences of that alert (or `silence_id`)
//   reset-alerts       expires every acknowledgement silence made here (or those of `alertname`)
//   test-notification  posts a test alert (alertname UsdcopTestNotification, 5 minutes) that the
//                      routing delivers like any other of its severity
#pragma once

#include <string>

#include "common/clock.h"
#include "common/secret.h"
#include "control/alert_lifecycle.h"
#include "control/api_types.h"
#include "sources/http_client.h"

namespace usdcop {

// Where Alertmanager is: control.alertmanager, else probes.alertmanager (with its basic auth).
struct AlertmanagerTarget {
  std::string url;
  std::string ca_file;
  std::string username;  // "" = no basic auth
  Secret password;
};

class AlertmanagerActions {
 public:
  AlertmanagerActions(AlertmanagerTarget target, Duration acknowledge_for, HttpClient& http,
                      AlertLifecycle& lifecycle, const Clock& clock)
      : target_(std::move(target)),
        acknowledge_for_(acknowledge_for),
        http_(http),
        lifecycle_(lifecycle),
        clock_(clock) {}

  ActionResult Acknowledge(const ActionCall& call);
  ActionResult Resolve(const ActionCall& call);
  ActionResult Reset(const ActionCall& call);
  ActionResult TestNotification(const ActionCall& call);

 private:
  Result<HttpResponse> Call(const std::string& method, const std::string& path,
                            const std::string& body, const Deadline& deadline);
  // Expires the silences of `episodes`; the answer lists them.
  ActionResult Expire(const ActionCall& call, const std::vector<AlertEpisode>& episodes,
                      const std::string& action);

  const AlertmanagerTarget target_;
  const Duration acknowledge_for_;
  HttpClient& http_;
  AlertLifecycle& lifecycle_;
  const Clock& clock_;
};

}  // namespace usdcop
