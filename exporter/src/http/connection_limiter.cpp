#include "http/connection_limiter.h"

namespace usdcop {

ConnectionLimiter::Admission ConnectionLimiter::Admit(std::uint64_t id, const std::string& address) {
  std::lock_guard lock(mu_);
  Admission a;
  // The address's own cap first: one client's connections make room among themselves.
  if (auto it = per_address_.find(address); it != per_address_.end() && it->second >= max_per_address_) {
    std::optional<std::uint64_t> victim = OldestWaiting(address);
    if (!victim) {
      a.refused_reason = kPerAddress;
      return a;
    }
    Remove(*victim);
    a.evicted.emplace_back(*victim, kPerAddress);
  }
  if (entries_.size() >= max_total_) {
    std::optional<std::uint64_t> victim = OldestWaiting("");
    if (!victim) {
      a.refused_reason = kCapacity;
      return a;  // what was evicted above stays closed: its address was over its cap anyway
    }
    Remove(*victim);
    a.evicted.emplace_back(*victim, kCapacity);
  }
  entries_.emplace(id, Entry{address, std::nullopt});
  ++per_address_[address];
  a.admitted = true;
  StartWaiting(entries_.at(id), id);
  return a;
}

void ConnectionLimiter::Waiting(std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  StopWaiting(it->second, id);
  StartWaiting(it->second, id);
}

void ConnectionLimiter::Busy(std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it != entries_.end()) StopWaiting(it->second, id);
}

void ConnectionLimiter::Closed(std::uint64_t id) {
  std::lock_guard lock(mu_);
  Remove(id);
}

size_t ConnectionLimiter::open() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::optional<std::uint64_t> ConnectionLimiter::OldestWaiting(const std::string& address) const {
  if (address.empty()) return waiting_.empty() ? std::nullopt : std::optional(waiting_.begin()->second);
  auto it = waiting_by_address_.find(address);
  if (it == waiting_by_address_.end() || it->second.empty()) return std::nullopt;
  return it->second.begin()->second;
}

void ConnectionLimiter::StartWaiting(Entry& entry, std::uint64_t id) {
  entry.waiting_since = ++sequence_;
  waiting_.emplace(*entry.waiting_since, id);
  waiting_by_address_[entry.address].emplace(*entry.waiting_since, id);
}

void ConnectionLimiter::StopWaiting(Entry& entry, std::uint64_t id) {
  if (!entry.waiting_since) return;
  waiting_.erase({*entry.waiting_since, id});
  auto by = waiting_by_address_.find(entry.address);
  by->second.erase({*entry.waiting_since, id});
  if (by->second.empty()) waiting_by_address_.erase(by);
  entry.waiting_since.reset();
}

void ConnectionLimiter::Remove(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  StopWaiting(it->second, id);
  if (auto count = per_address_.find(it->second.address); count != per_address_.end() && --count->second == 0)
    per_address_.erase(count);
  entries_.erase(it);
}

}  // namespace usdcop
