#include "websocket/hub.h"

#include <vector>

#include "market/store.h"

namespace usdcop::sim {
namespace {

nlohmann::ordered_json ValueOrNull(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

void WsHub::SetFault(const WsFaultSetting& setting) {
  MutexLock lock(mu_);
  fault_ = setting;
}

WsFaultSetting WsHub::fault() const {
  MutexLock lock(mu_);
  return fault_;
}

WsCounts WsHub::counts() const {
  return {.active_connections = counters_.active,
          .total_connections = counters_.total,
          .messages_sent = counters_.messages_sent};
}

nlohmann::json WsHub::Describe() const {
  nlohmann::json out = DescribeWsFault(fault());
  out["active_connections"] = counters_.active.load();
  out["total_connections"] = counters_.total.load();
  out["messages_sent"] = counters_.messages_sent.load();
  out["bars_published"] = writer_.published().publications;
  out["upgrades_refused"] = counters_.upgrades_refused.load();
  out["handshakes_pending"] = counters_.handshakes_pending.load();
  out["held_silent"] = counters_.held_silent.load();
  out["slow_clients_dropped"] = counters_.slow_clients_dropped.load();
  return out;
}

WsMessage WsHub::Message(const PublishedBar& bar) const {
  nlohmann::ordered_json data = {
      {"symbol", writer_.settings().symbol},
      {"time", FormatIsoZ(std::chrono::floor<std::chrono::seconds>(bar.time))},
      {"open", ValueOrNull(bar.open)},
      {"high", ValueOrNull(bar.high)},
      {"low", ValueOrNull(bar.low)},
      {"close", ValueOrNull(bar.close)},
      {"volume", ValueOrNull(bar.volume)}};
  nlohmann::ordered_json message = {
      {"channel", "market_data"}, {"timestamp", FormatMicrosZ(Now())}, {"data", data}};
  return {std::make_shared<const std::string>(message.dump()), bar.time};
}

std::vector<std::shared_ptr<WsConnection>> WsHub::All() const {
  std::vector<std::shared_ptr<WsConnection>> all;
  for (const auto& [key, connection] : connections_) all.push_back(connection);
  return all;
}

void WsHub::Add(std::shared_ptr<WsConnection> connection) {
  const WsConnection* key = connection.get();
  connections_.emplace(key, std::move(connection));
  if (stopping_) connections_[key]->Stop();
}

void WsHub::Remove(const WsConnection* connection) {
  connections_.erase(connection);
  CheckEmpty();
}

void WsHub::Broadcast(const PublishedBar& bar) {
  if (connections_.empty()) return;
  WsMessage message = Message(bar);
  for (const auto& connection : All()) connection->Deliver(message);
}

std::optional<WsMessage> WsHub::Snapshot() const {
  Published published = writer_.published();
  if (!published.bar) return std::nullopt;
  return Message(*published.bar);
}

void WsHub::ReleaseAll() {
  for (const auto& connection : All()) connection->Release();
}

void WsHub::StopAll(std::function<void()> on_empty) {
  stopping_ = true;
  on_empty_ = std::move(on_empty);
  for (const auto& connection : All()) connection->Stop();
  CheckEmpty();
}

void WsHub::CheckEmpty() {
  if (!stopping_ || !connections_.empty() || !on_empty_) return;
  auto done = std::move(on_empty_);
  on_empty_ = nullptr;
  done();
}

}  // namespace usdcop::sim
