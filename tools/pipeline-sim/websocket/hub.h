// What the WebSocket server's connections share: the connections open now (to deliver each
// published bar to, to release from a hold, to stop), the counts, the current fault, and the
// market_data messages:
//   {"channel": "market_data", "timestamp": "<now, RFC 3339 UTC, 6 fraction digits>",
//    "data": {"symbol", "time": "<bar open, RFC 3339 UTC, whole seconds>", "open", "high",
//             "low", "close", "volume"}}   (a value is null where the row has NULL)
// The fault and the counters may be used from any thread (a mutex, atomics); everything else
// only on the server's io thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/mutex.h"
#include "market/writer.h"
#include "websocket/faults.h"
#include "websocket/status.h"

namespace usdcop::sim {

// A market_data message and the bar it carries.
struct WsMessage {
  std::shared_ptr<const std::string> text;
  Time bar;
};

// One TCP connection of the server, from accept to close. Called on the io thread.
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  // A newly published bar: a session that streams bars queues it, others ignore it.
  virtual void Deliver(const WsMessage& message) = 0;
  // The fault that holds the connection (silent, slow) was cleared.
  virtual void Release() = 0;
  // The server is stopping: end the connection soon.
  virtual void Stop() = 0;
};

class WsHub {
 public:
  struct Counters {
    std::atomic<int64_t> active{0};              // sessions open now
    std::atomic<int64_t> total{0};               // sessions accepted since start
    std::atomic<int64_t> messages_sent{0};       // data messages written to clients
    std::atomic<int64_t> upgrades_refused{0};    // refuse_upgrade
    std::atomic<int64_t> handshakes_pending{0};  // first request not answered yet
    std::atomic<int64_t> held_silent{0};         // sessions silent holds now
    std::atomic<int64_t> slow_clients_dropped{0};
  };

  explicit WsHub(const MarketWriter& writer) : writer_(writer) {}
  WsHub(const WsHub&) = delete;
  WsHub& operator=(const WsHub&) = delete;

  // Any thread.
  void SetFault(const WsFaultSetting& setting);
  WsFaultSetting fault() const;
  Counters& counters() { return counters_; }
  WsCounts counts() const;
  // The counts and the fault, for GET /sim/websocket/state.
  nlohmann::json Describe() const;
  const MarketWriter& writer() const { return writer_; }

  // The io thread only.
  void Add(std::shared_ptr<WsConnection> connection);
  void Remove(const WsConnection* connection);
  void Broadcast(const PublishedBar& bar);
  // The newest bar published, as a message; nullopt before any bar.
  std::optional<WsMessage> Snapshot() const;
  void ReleaseAll();
  // Stops every connection, now and later; `on_empty` runs once none is left.
  void StopAll(std::function<void()> on_empty);
  bool stopping() const { return stopping_; }
  // Lets go of the connections; once the io thread has ended, before the io_context goes.
  void Clear() { connections_.clear(); }

 private:
  WsMessage Message(const PublishedBar& bar) const;
  // A copy of the connections: a call on one may end it.
  std::vector<std::shared_ptr<WsConnection>> All() const;
  void CheckEmpty();

  const MarketWriter& writer_;
  Counters counters_;
  mutable Mutex mu_;
  WsFaultSetting fault_ GUARDED_BY(mu_);
  std::map<const WsConnection*, std::shared_ptr<WsConnection>> connections_;
  bool stopping_ = false;
  std::function<void()> on_empty_;
};

}  // namespace usdcop::sim
