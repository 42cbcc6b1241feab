// Alertmanager's webhook payload as POST /api/alerts/webhook takes it: the body read as the API
// reads every POST (control/control_api.h: ReadPostBody, the JSON depth and the JSON object), then
// AlertLifecycle::Ingest (control/alert_lifecycle.h), which the daemon's endpoint table calls with
// it. One lifecycle over an in-memory state store for the whole run, as the daemon keeps one:
// what it keeps must stay bounded whatever is posted.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "control/alert_lifecycle.h"
#include "control/control_api.h"

namespace {

using namespace usdcop;

struct Receiver {
  SystemClock clock;
  Logger log{LogLevel::kError};
  std::unique_ptr<StateStore> store;
  std::unique_ptr<AlertLifecycle> alerts;
  EndpointSpec endpoint;
};

Receiver* MakeReceiver() {
  auto* r = new Receiver;
  auto store = StateStore::Open(":memory:");
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::abort();
  }
  r->store = std::move(store).value();
  r->alerts = std::make_unique<AlertLifecycle>(*r->store, r->log, r->clock);
  AlertLifecycle& lifecycle = *r->alerts;
  r->endpoint = {
      "/api/alerts/webhook", nullptr, {}, [&lifecycle](const Caller&, const nlohmann::json& body) {
        return lifecycle.Ingest(body);
      }};
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Receiver* receiver = MakeReceiver();
  const std::string text(reinterpret_cast<const char*>(data), size);
  PostBody read = ReadPostBody(receiver->endpoint, text);
  if (!read.refusal)
    (void)receiver->endpoint.ingest(Caller{"alertmanager", ControlRole::kWebhook}, read.body);
  return 0;
}
