#include "http/connection_limiter.h"

namespace usdcop {

ConnectionLimiter::Admission ConnectionLimiter::Admit(std::uint64_t id,
                                                      const std::string& address) {
  MutexLock lock(mu_);
  Admission a;
  auto found = addresses_.find(address);
  // The address's own cap first: one client's connections make room among themselves.
  if (found != addresses_.end() && found->second.open >= max_per_address_) {
    if (found->second.waiting.empty()) {
      a.refused_reason = kPerAddress;
      return a;
    }
    a.evicted.emplace_back(Evict(found->second.waiting), kPerAddress);
  }
  if (entries_.size() >= max_total_) {
    if (waiting_.empty()) {
      a.refused_reason = kCapacity;
      return a;  // what was evicted above stays closed: its address was over its cap anyway
    }
    a.evicted.emplace_back(Evict(waiting_), kCapacity);
  }
  Address& at = addresses_[address];  // after the evictions, which may have erased it
  ++at.open;
  Entry& e = entries_[id];
  e.address = &at;
  e.key = address;
  StartWaiting(id, e);
  a.admitted = true;
  return a;
}

void ConnectionLimiter::Waiting(std::uint64_t id) {
  MutexLock lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  StopWaiting(it->second);
  StartWaiting(id, it->second);
}

void ConnectionLimiter::Busy(std::uint64_t id) {
  MutexLock lock(mu_);
  auto it = entries_.find(id);
  if (it != entries_.end()) StopWaiting(it->second);
}

void ConnectionLimiter::Closed(std::uint64_t id) {
  MutexLock lock(mu_);
  Remove(id);
}

size_t ConnectionLimiter::open() const {
  MutexLock lock(mu_);
  return entries_.size();
}

void ConnectionLimiter::StartWaiting(std::uint64_t id, Entry& e) {
  const std::pair<std::uint64_t, std::uint64_t> key{++sequence_, id};
  if (e.all_node.empty()) {
    e.in_all = waiting_.insert(key).first;
    e.in_address = e.address->waiting.insert(key).first;
  } else {  // the nodes kept from the last wait: no allocation
    e.all_node.value() = key;
    e.address_node.value() = key;
    e.in_all = waiting_.insert(std::move(e.all_node)).position;
    e.in_address = e.address->waiting.insert(std::move(e.address_node)).position;
  }
  e.waiting = true;
}

void ConnectionLimiter::StopWaiting(Entry& e) {
  if (!e.waiting) return;
  e.all_node = waiting_.extract(e.in_all);
  e.address_node = e.address->waiting.extract(e.in_address);
  e.waiting = false;
}

std::uint64_t ConnectionLimiter::Evict(const Waiters& from) {
  const std::uint64_t victim = from.begin()->second;
  Remove(victim);
  return victim;
}

void ConnectionLimiter::Remove(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  StopWaiting(e);
  if (--e.address->open == 0) addresses_.erase(e.key);
  entries_.erase(it);
}

}  // namespace usdcop
