// The connection caps of one HTTP port: at most `max_total` open connections, at most
// `max_per_address` from one client address. When a cap is full, the connection that has waited
// longest for a request head (idle on keep-alive, silent, or sending its head slowly) is closed
// to admit the new one, so that a scrape gets through however many idle or slow connections an
// attacker holds; only when every counted connection is busy with a request is the new one
// refused. Knows nothing of sockets: the server closes what Admit names. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/mutex.h"

namespace usdcop {

class ConnectionLimiter {
 public:
  ConnectionLimiter(size_t max_total, size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  // Why a connection was closed or refused to keep a cap (the label of the rejected counter).
  static constexpr const char* kPerAddress = "per_address";
  static constexpr const char* kCapacity = "capacity";

  struct Admission {
    bool admitted = false;
    // Connections to close to make room (already no longer counted), with the reason for each.
    std::vector<std::pair<std::uint64_t, const char*>> evicted;
    const char* refused_reason = nullptr;  // set when !admitted
  };
  // A new connection `id` (unique, never reused) from `address`. Admitted connections start
  // waiting for their first request head.
  Admission Admit(std::uint64_t id, const std::string& address);
  // The connection waits for a request head: it may be evicted, oldest waiter first.
  void Waiting(std::uint64_t id);
  // The connection has a request in progress (body, handler or response): never evicted.
  void Busy(std::uint64_t id);
  // The connection closed; unknown or already evicted ids are ignored.
  void Closed(std::uint64_t id);

  size_t open() const;
  size_t max_total() const { return max_total_; }
  size_t max_per_address() const { return max_per_address_; }

 private:
  using Waiters = std::set<std::pair<std::uint64_t, std::uint64_t>>;  // (since, id), oldest first
  struct Address {
    size_t open = 0;
    Waiters waiting;
  };
  struct Entry {
    std::string key;   // the client address
    Address* address;  // addresses_[key]: elements of an unordered_map stay where they are
    // While the connection waits: its place in waiting_ and in its address's set. While busy:
    // the same two nodes, kept out of the sets, so that a request costs no allocation.
    Waiters::iterator in_all, in_address;
    Waiters::node_type all_node, address_node;
    bool waiting = false;
  };
  void StartWaiting(std::uint64_t id, Entry& entry) REQUIRES(mu_);
  void StopWaiting(Entry& entry) REQUIRES(mu_);
  void Remove(std::uint64_t id) REQUIRES(mu_);
  std::uint64_t Evict(const Waiters& from) REQUIRES(mu_);  // removes the oldest

  const size_t max_total_;
  const size_t max_per_address_;
  mutable Mutex mu_;
  std::uint64_t sequence_ GUARDED_BY(mu_) = 0;
  std::unordered_map<std::uint64_t, Entry> entries_ GUARDED_BY(mu_);
  std::unordered_map<std::string, Address> addresses_ GUARDED_BY(mu_);
  Waiters waiting_ GUARDED_BY(mu_);
};

}  // namespace usdcop
