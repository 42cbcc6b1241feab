// Airflow's and Alertmanager's answers to the control API's actions (actions/airflow_actions.h,
// actions/alertmanager_actions.h), each action run against a peer (the HttpClient interface) that
// answers every request with a status and a body from the input: the token, the trigger, the
// cleared tasks, the alerts to acknowledge and their silences, the silences to expire, and the
// error answers (actions/peer_result.h). The first byte picks the action. One alert lifecycle over
// an in-memory state store for the whole run, as the daemon keeps one.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "actions/airflow_actions.h"
#include "actions/alertmanager_actions.h"

namespace {

using namespace usdcop;
using nlohmann::json;

// Answers each request from the input; once it is used up, refuses to connect.
class ScriptedPeer final : public HttpClient {
 public:
  FuzzedDataProvider* input = nullptr;
  Result<HttpResponse> Do(const HttpRequest&, const Deadline&) override {
    static constexpr long kStatuses[] = {200, 201, 200, 401, 404, 409, 500};
    if (input->remaining_bytes() == 0) return Status(Reason::kConnect, "connection refused");
    const long status = input->PickValueInArray(kStatuses);
    return HttpResponse{status, input->ConsumeRandomLengthString(1 << 16)};
  }
};

struct Actions {
  SystemClock clock;
  Logger log{LogLevel::kError};
  ScriptedPeer peer;
  std::unique_ptr<StateStore> store;
  std::unique_ptr<AlertLifecycle> alerts;
  std::unique_ptr<AirflowActions> airflow_v1, airflow_v2;
  std::unique_ptr<AlertmanagerActions> alertmanager;
};

Actions* MakeActions() {
  auto* a = new Actions;
  auto store = StateStore::Open(":memory:");
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::abort();
  }
  a->store = std::move(store).value();
  a->alerts = std::make_unique<AlertLifecycle>(*a->store, a->log, a->clock);
  AirflowConfig v1{"http://airflow.test", AirflowConfig::Api::kV1, "admin", Secret("pw"), Secret()};
  AirflowConfig v2 = v1;
  v2.api = AirflowConfig::Api::kV2;
  a->airflow_v1 = std::make_unique<AirflowActions>(v1, a->peer, a->clock);
  a->airflow_v2 = std::make_unique<AirflowActions>(v2, a->peer, a->clock);
  a->alertmanager = std::make_unique<AlertmanagerActions>(
      AlertmanagerTarget{"http://alertmanager.test", "", "", Secret()}, std::chrono::hours(2),
      a->peer, *a->alerts, a->clock);
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Actions* actions = MakeActions();
  FuzzedDataProvider input(data, size);
  actions->peer.input = &input;
  const Caller caller{"ops", ControlRole::kOperator};
  const auto call = [&caller](const json& params) {
    return ActionCall{caller, params, Deadline::After(std::chrono::seconds(5))};
  };
  const auto choice = input.ConsumeIntegralInRange<int>(0, 8);
  AirflowActions& airflow = input.ConsumeBool() ? *actions->airflow_v2 : *actions->airflow_v1;
  switch (choice) {
    case 0:
      (void)airflow.Trigger(call(json::object({{"layer", "L0"}})), "dag0", "force-sync");
      break;
    case 1:
      (void)airflow.RestartComponent(call(json::object({{"layer", "L0"}})), "dag0");
      break;
    case 2:
      (void)airflow.ClearErrors(call(json::object({{"layer", "L0"}, {"since", "1h"}})), "dag0");
      break;
    case 3:
      (void)actions->alertmanager->Acknowledge(
          call(json::object({{"alertname", "L0PipelineDown"}})));
      break;
    case 4:
      (void)actions->alertmanager->Acknowledge(
          call(json::object({{"fingerprint", "1a2b3c4d5e6f7081"}, {"duration", "30m"}})));
      break;
    case 5:
      (void)actions->alertmanager->Resolve(call(json::object({{"alertname", "L0PipelineDown"}})));
      break;
    case 6:
      (void)actions->alertmanager->Resolve(call(json::object({{"silence_id", "7d1c"}})));
      break;
    case 7:
      (void)actions->alertmanager->Reset(call(json::object()));
      break;
    default:
      (void)actions->alertmanager->TestNotification(call(json::object({{"severity", "critical"}})));
      break;
  }
  return 0;
}
