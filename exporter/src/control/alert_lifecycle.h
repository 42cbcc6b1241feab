// The life of each alert as Alertmanager's webhook reports it and operators act on it: when it
// fired, was acknowledged (acknowledge-alert, with the silence that acknowledges it) and was
// resolved. Each firing is an episode, keyed by the alert's fingerprint and startsAt, so that the
// repeats Alertmanager sends (repeat_interval, several receivers) count as notifications but are
// measured once. Episodes and the figures survive restarts (the state store). Whoever posts, what
// is kept stays bounded: the figures' label values as AlertFigures says, the episodes by age (a
// week after their resolution, four weeks after their start when no resolution came) and by
// number (kMaxEpisodes, the oldest resolved ones going first); an episode whose acknowledgement
// silence still lasts is never forgotten. Thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/mutex.h"
#include "control/alert_figures.h"
#include "control/api_types.h"
#include "metrics/control_stats.h"
#include "store/state_store.h"

namespace usdcop {

struct AlertEpisode {
  std::string fingerprint;
  std::string alertname;
  std::string severity;
  double starts_at = 0;  // Unix seconds, Alertmanager's startsAt
  std::optional<double> resolved_at;
  std::optional<double> acknowledged_at;
  std::string acknowledged_by;
  std::string silence_id;  // the silence acknowledge-alert created; "" once expired or never
  std::optional<double>
      silence_ends_at;  // when it ends; unknown for silences recorded before it was kept
  std::string key() const;
  // The acknowledgement silence lasts at `now` (one of unknown end counts as lasting).
  bool OpenAcknowledgement(double now) const;
};

class AlertLifecycle {
 public:
  static constexpr size_t kMaxEpisodes = 10000;

  AlertLifecycle(StateStore& store, Logger& log, const Clock& clock)
      : store_(store), log_(log), clock_(clock) {}

  // The severities counted under their own name (control.alert_severities; critical, warning and
  // info until told): before Load, and again on a reload.
  void SetSeverities(std::vector<std::string> severities);
  // Reads the episodes and figures kept by earlier runs, bounded as new ones are.
  Status Load();
  // One Alertmanager webhook payload (version 4): {"status", "alerts": [{status, labels,
  // startsAt, endsAt, fingerprint}...]}. 400 when it is not one.
  ActionResult Ingest(const nlohmann::json& payload);
  // Records the acknowledgement of an alert that is firing (as Alertmanager describes it), by the
  // silence `silence_id` lasting until `silence_ends_at` (Unix seconds): the time from its start
  // is measured once per episode.
  void Acknowledge(const AlertEpisode& alert, const std::string& by, const std::string& silence_id,
                   double silence_ends_at);
  // The episodes with a live acknowledgement silence, of one alert (fingerprint), of one
  // alertname, or all ("" and "").
  std::vector<AlertEpisode> Acknowledged(const std::string& fingerprint,
                                         const std::string& alertname) const;
  // The silence of that episode was expired.
  void SilenceExpired(const std::string& episode_key);

  ControlStats Figures() const;  // notifications, resolution, acknowledgement
  // For GET /api/alerts/system: the episodes of the last 7 days and the mean response times.
  nlohmann::json Summary() const;
  std::uint64_t generation() const;

 private:
  void Save(const AlertEpisode& e) REQUIRES(mu_);
  void SaveFigures() REQUIRES(mu_);
  void Prune(double now) REQUIRES(mu_);
  using Episodes = std::map<std::string, AlertEpisode>;
  Episodes::iterator Forget(Episodes::iterator it) REQUIRES(mu_);  // deletes it from the store too
  void ReportFolded(double now)
      REQUIRES(mu_);  // logs what was counted as other, at most once a minute

  StateStore& store_;
  Logger& log_;
  const Clock& clock_;
  mutable Mutex mu_;
  Episodes episodes_ GUARDED_BY(mu_);  // by key()
  AlertFigures figures_ GUARDED_BY(mu_);
  std::optional<double> last_fold_report_ GUARDED_BY(mu_);
  std::uint64_t generation_ GUARDED_BY(mu_) = 0;
};

}  // namespace usdcop
