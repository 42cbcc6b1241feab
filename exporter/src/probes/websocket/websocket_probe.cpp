#include "probes/websocket/websocket_probe.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/units.h"
#include "sources/websocket_feed.h"
#include "sources/websocket_status.h"

namespace usdcop {
namespace {

constexpr const char* kWebSocketNamespace = "websocket";
constexpr const char* kStoreKey = "feed";
// A clean close gets at most this long; the run's deadline bounds it too.
constexpr Duration kCloseTimeout = std::chrono::seconds(1);
// A service that sends only control messages is not read forever.
constexpr int kMaxControlMessages = 1000;

using SteadyClock = std::chrono::steady_clock;

Duration Since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<Duration>(SteadyClock::now() - start);
}

}  // namespace

WebSocketProbe::WebSocketProbe(WebSocketProbeConfig config, HttpClient& http,
                               std::unique_ptr<WebSocketDialer> dialer, StateStore& store)
    : config_(std::move(config)), http_(http), dialer_(std::move(dialer)), store_(store) {}

ProbeOutcome WebSocketProbe::Run(const ProbeContext& ctx) {
  WebSocketResult result;
  Status status = LoadState();
  if (!status.ok())
    return ProbeOutcome{status, result};  // without it the counter would restart at 0
  const double messages_before = messages_received_total_;
  const auto timestamp_before = last_message_timestamp_;

  Status clients = config_.status_url.empty() ? Status::Ok() : ReadClients(ctx, result);
  status = Session(ctx, result);
  MergeInto(status, clients);

  result.messages_received_total = messages_received_total_;
  result.last_message_timestamp = last_message_timestamp_;
  if (messages_received_total_ != messages_before || last_message_timestamp_ != timestamp_before)
    MergeInto(status, SaveState());
  return ProbeOutcome{status, result};
}

Status WebSocketProbe::ReadClients(const ProbeContext& ctx, WebSocketResult& out) {
  // An HTTP request is a connect and an exchange: it gets the two phases' time, not the run's.
  const Deadline bounded{std::min(ctx.deadline.at, SteadyClock::now() + config_.connect_timeout +
                                                       config_.handshake_timeout),
                         ctx.deadline.cancelled};
  auto status = FetchWebSocketStatus(http_, config_.status_url, config_.ca_file,
                                     "probes.websocket.status_url", bounded);
  if (!status.ok()) return status.status();
  auto clients = ConnectedClients(*status);
  if (!clients.ok()) return clients.status();
  out.connected_clients = *clients;
  return Status::Ok();
}

Status WebSocketProbe::Session(const ProbeContext& ctx, WebSocketResult& out) {
  const auto start = SteadyClock::now();
  WebSocketTimings timings;
  WebSocketEndpoint endpoint{config_.url, config_.ca_file};
  auto dialed = dialer_->Dial(endpoint, config_.connect_timeout, config_.handshake_timeout,
                              ctx.deadline, timings);
  if (!dialed.ok()) return dialed.status();
  WebSocketConnection& connection = **dialed;
  out.handshake_seconds = timings.upgraded;
  if (!config_.subscribe.empty()) {
    Status sent = connection.Write(config_.subscribe, config_.read_timeout, ctx.deadline);
    if (!sent.ok())
      return Status(sent.reason(), "sending the subscribe message: " + sent.message());
  }
  Status read = ReadFirstData(connection, ctx);
  if (!read.ok()) return read;
  out.first_message_seconds = SecondsSince(start);
  out.up = true;

  // The service should see a client leave politely; a service that does not answer the close
  // is noted in the log (once per change), not failed: the data came.
  Status closed = connection.Close(kCloseTimeout, ctx.deadline);
  std::string problem = closed.ok() ? "" : closed.ToString();
  if (problem != last_close_problem_ && !problem.empty())
    ctx.log.Warn("the WebSocket service did not close cleanly", {{"err", problem}});
  last_close_problem_ = std::move(problem);
  return Status::Ok();
}

Status WebSocketProbe::ReadFirstData(WebSocketConnection& connection, const ProbeContext& ctx) {
  const auto start = SteadyClock::now();
  int control = 0;
  while (true) {
    const Duration left = config_.read_timeout - Since(start);
    auto message = left > Duration(0) ? connection.Read(left, ctx.deadline)
                                      : Result<std::string>(Status(Reason::kTimeout, ""));
    const std::string after =
        control == 0 ? "" : " (after " + std::to_string(control) + " control messages)";
    if (!message.ok()) {
      const Status& s = message.status();
      if (s.reason() == Reason::kTimeout)
        return Status(Reason::kTimeout, "no data message within read_timeout " +
                                            FormatDuration(config_.read_timeout) +
                                            " of the upgrade" + after);
      if (s.reason() == Reason::kClosed)
        return Status(Reason::kClosed, s.message() + " before the first data message" + after);
      return s;
    }
    messages_received_total_ += 1;
    auto parsed = ParseFeedMessage(*message);
    if (!parsed.ok())
      return Status(Reason::kParse,
                    "message " + std::to_string(control + 1) + ": " + parsed.status().message());
    if (parsed->kind == FeedMessage::Kind::kData) {
      last_message_timestamp_ =
          std::max(last_message_timestamp_.value_or(parsed->timestamp), parsed->timestamp);
      return Status::Ok();
    }
    if (++control >= kMaxControlMessages)
      return Status(Reason::kParse,
                    std::to_string(control) + " control messages and no data message");
  }
}

Status WebSocketProbe::LoadState() {
  if (loaded_) return Status::Ok();
  auto stored = store_.Get(kWebSocketNamespace, kStoreKey);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    auto j = nlohmann::json::parse(**stored, nullptr, false);
    if (j.is_object()) {
      messages_received_total_ = j.value("messages_received_total", 0.0);
      if (j.contains("last_message_timestamp") && j["last_message_timestamp"].is_number())
        last_message_timestamp_ = j["last_message_timestamp"].get<double>();
    }
  }
  loaded_ = true;
  return Status::Ok();
}

Status WebSocketProbe::SaveState() {
  nlohmann::json j{{"messages_received_total", messages_received_total_}};
  if (last_message_timestamp_) j["last_message_timestamp"] = *last_message_timestamp_;
  return store_.Put(kWebSocketNamespace, kStoreKey, j.dump());
}

std::shared_ptr<Probe> WebSocketKind::Build(const Config& config, const ProbeConfigs& /*all*/,
                                            const ProbeDeps& deps) {
  return std::make_shared<WebSocketProbe>(config, deps.http,
                                          std::make_unique<BeastWebSocketDialer>(), deps.store);
}

}  // namespace usdcop
