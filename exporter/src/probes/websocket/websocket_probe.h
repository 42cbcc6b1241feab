// The WebSocket probe: each run asks the service's status endpoint how many clients it has
// (before connecting, so that the probe's own session is not counted), then opens one session
// as a trader's client would: connect, TLS, upgrade, an optional subscribe message, read until
// the first data message (a bar or a tick; control messages are counted and skipped), and a
// clean close. Each phase has its own timeout. The message counter and the newest data time
// survive restarts (state store). Not thread-safe: the scheduler runs one Run() at a time.
#pragma once

#include <memory>
#include <string>

#include "probes/probe.h"
#include "probes/websocket/websocket_config.h"
#include "sources/http_client.h"
#include "sources/websocket_client.h"
#include "store/state_store.h"

namespace usdcop {

class WebSocketProbe final : public Probe {
 public:
  WebSocketProbe(WebSocketProbeConfig config, HttpClient& http,
                 std::unique_ptr<WebSocketDialer> dialer, StateStore& store);
  ProbeOutcome Run(const ProbeContext& ctx) override;

 private:
  Status ReadClients(const ProbeContext& ctx, WebSocketResult& out);
  Status Session(const ProbeContext& ctx, WebSocketResult& out);
  // Reads until the first data message; counts every message.
  Status ReadFirstData(WebSocketConnection& connection, const ProbeContext& ctx);
  Status LoadState();
  Status SaveState();

  const WebSocketProbeConfig config_;
  HttpClient& http_;
  std::unique_ptr<WebSocketDialer> dialer_;
  StateStore& store_;
  bool loaded_ = false;
  double messages_received_total_ = 0;
  std::optional<double> last_message_timestamp_;
  std::string last_close_problem_;  // logged when it changes
};

}  // namespace usdcop
