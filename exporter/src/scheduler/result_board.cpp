#include "scheduler/result_board.h"

namespace usdcop {

void ResultBoard::Configure(const std::vector<ProbeInfo>& probes) {
  MutexLock lock(mu_);
  std::map<std::string, std::shared_ptr<const ProbeRecord>> next;
  for (const ProbeInfo& p : probes) {
    auto it = records_.find(p.name);
    auto record = std::make_shared<ProbeRecord>(it != records_.end() ? *it->second : ProbeRecord{});
    record->name = p.name;
    record->timeout = p.timeout;
    next[p.name] = std::move(record);
  }
  records_ = std::move(next);
  generation_++;
}

void ResultBoard::SetListener(Listener listener) {
  MutexLock lock(mu_);
  listener_ = std::move(listener);
}

void ResultBoard::Record(const std::string& name, const Status& status, double duration_seconds,
                         double end_timestamp, std::shared_ptr<const ProbeResult> result) {
  std::shared_ptr<const ProbeRecord> published;
  Listener listener;
  {
    MutexLock lock(mu_);
    auto it = records_.find(name);
    if (it == records_.end()) return;
    auto record = std::make_shared<ProbeRecord>(*it->second);
    record->has_run = true;
    record->success = status.ok();
    record->status = status;
    record->duration_seconds = duration_seconds;
    record->last_run_timestamp = end_timestamp;
    record->result = std::move(result);
    if (!status.ok()) record->errors[status.reason()]++;
    it->second = record;
    published = std::move(record);
    listener = listener_;
    recorded_.NotifyAll();
  }
  if (listener) listener(published);
  generation_++;
}

bool ResultBoard::RanSince(const std::vector<std::string>& names, double since) const {
  for (const std::string& name : names) {
    auto it = records_.find(name);
    if (it == records_.end()) continue;  // no longer configured
    const ProbeRecord& r = *it->second;
    if (!r.has_run || r.last_run_timestamp - r.duration_seconds < since - 0.001) return false;
  }
  return true;
}

bool ResultBoard::WaitForRunsSince(const std::vector<std::string>& names, double since,
                                   const Deadline& deadline) const {
  MutexLock lock(mu_);
  while (!RanSince(names, since)) {
    if (deadline.Expired() || deadline.Cancelled()) return false;
    // Short waits, so that a cancellation is seen without a notification.
    recorded_.WaitFor(mu_,
                      std::min<Duration>(deadline.Remaining(), std::chrono::milliseconds(100)));
  }
  return true;
}

void ResultBoard::CountSkipped(const std::string& name, Reason reason) {
  MutexLock lock(mu_);
  auto it = records_.find(name);
  if (it == records_.end()) return;
  auto record = std::make_shared<ProbeRecord>(*it->second);
  record->errors[reason]++;
  it->second = std::move(record);
  generation_++;
}

std::vector<std::shared_ptr<const ProbeRecord>> ResultBoard::Snapshot() const {
  MutexLock lock(mu_);
  std::vector<std::shared_ptr<const ProbeRecord>> out;
  out.reserve(records_.size());
  for (const auto& [name, record] : records_) out.push_back(record);
  return out;
}

std::shared_ptr<const ProbeRecord> ResultBoard::Get(const std::string& name) const {
  MutexLock lock(mu_);
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : it->second;
}

bool ResultBoard::AllRan() const {
  MutexLock lock(mu_);
  for (const auto& [name, record] : records_)
    if (!record->has_run) return false;
  return true;
}

}  // namespace usdcop
