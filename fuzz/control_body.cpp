// The control API's POST bodies (control/control_api.h): ReadPostBody, what the API runs on a body
// before it acts (the JSON depth, the JSON, the action and its fields against their ParamSpecs),
// over the endpoint table the daemon builds (app/endpoint_table.h) from a config that names every
// layer, key and action. The first byte picks the endpoint, the rest is the body. Nothing is
// acted on.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "app/config.h"
#include "app/endpoint_table.h"
#include "control/control_api.h"
#include "sources/http_client.h"

namespace {

using namespace usdcop;

constexpr const char* kConfig = R"(
probes:
  pipeline:
    airflow: {url: "http://127.0.0.1:1", api: v1, username: admin, password_env: USDCOP_FUZZ_SECRET}
    layers:
      - {layer: L0, dag_id: usdcop_m5__01_l0_intelligent_acquire}
      - {layer: L1, dag_id: usdcop_m5__02_l1_standardize}
  backups:
    layers:
      - {layer: L0, path: /nonexistent/usdcop-fuzz/backups/l0}
  vendor_api:
    provider: twelvedata
    url: "http://127.0.0.1:1"
    keys:
      - {id: primary, key_env: USDCOP_FUZZ_SECRET, created: 2026-01-10}
      - {id: backup, key_env: USDCOP_FUZZ_SECRET, created: 2026-03-01}
  alertmanager: {url: "http://127.0.0.1:1"}
control:
  tokens: []
  backup_dags: {L0: usdcop_m5__backup_l0}
  actions:
    restart-websocket: {command: [/bin/true], timeout: 1s}
    force-handover: {url: "http://127.0.0.1:1/hook"}
    clear-buffers: {command: [/bin/true]}
    rotate-key: {command: [/bin/true]}
    activate-backup-key: {command: [/bin/true]}
)";

// What the endpoint table refers to; built once, never destroyed.
struct Table {
  SystemClock clock;
  Logger log{LogLevel::kError};
  ResultBoard board;
  TrendBuffer trends{log};
  Scheduler scheduler{board, clock, log, 1};
  CurlHttpClient http;
  std::unique_ptr<StateStore> store;
  std::unique_ptr<AlertLifecycle> alerts;
  std::unique_ptr<ControlDeps> deps;
  std::shared_ptr<const ControlSetup> setup;
};

Table* MakeTable() {
  setenv("USDCOP_FUZZ_SECRET", "not-a-secret", 1);
  ConfigLoad load = LoadConfigText(kConfig, "/nonexistent/usdcop-fuzz/config.yml");
  if (!load.config) {
    for (const std::string& e : load.errors) std::fprintf(stderr, "%s\n", e.c_str());
    std::abort();
  }
  auto* t = new Table;
  auto store = StateStore::Open(":memory:");
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::abort();
  }
  t->store = std::move(store).value();
  t->alerts = std::make_unique<AlertLifecycle>(*t->store, t->log, t->clock);
  t->deps.reset(new ControlDeps{t->board, t->trends, t->scheduler, t->http, *t->alerts, t->clock,
                                "/nonexistent/usdcop-fuzz/state.db"});
  t->setup = BuildControlSetup(*load.config, *t->deps);
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Table* table = MakeTable();
  if (size == 0) return 0;
  const auto& endpoints = table->setup->endpoints;
  const EndpointSpec& ep = endpoints[data[0] % endpoints.size()];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)ReadPostBody(ep, body);
  return 0;
}
