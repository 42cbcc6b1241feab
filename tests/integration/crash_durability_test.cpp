// kill -9 at random moments while the exporter writes its state store: audit rows (every GET
// and action of a token's caller), alert-lifecycle updates (Alertmanager's webhook), idempotency
// rows (force-sync with an Idempotency-Key), the market-data watermark and counters (bars every
// second), the pipeline's runs counted (each force-sync is a run) and the backup verification
// cache (a new backup set every 2 seconds). After each
// restart: the exporter starts cleanly on the same state.db, every call answered before the kill
// is there (its audit row, the notifications it counted, its idempotent answer replayed), and no
// counter is below the value last scraped before the kill. Rounds: USDCOP_CRASH_ROUNDS (50); the
// random moments come from a seed printed at the start (USDCOP_CRASH_SEED repeats a run).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "support/control_client.h"
#include "support/exposition.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kOperator = "operator-tok-5b1e";
constexpr const char* kWebhook = "webhook-tok-90ad";
const std::string kIngested = "usdcop_l0_records_ingested_total{symbol=\"USD/COP\"}";
const std::string kVerified = "usdcop_backup_verified_bytes_total{layer=\"L0\"}";
// The counters kept across restarts (every series of these families).
const char* const kKeptCounters[] = {
    "usdcop_l0_records_ingested_total", "usdcop_backup_verified_bytes_total",
    "usdcop_alert_notifications_received_total", "usdcop_pipeline_runs_total"};
const std::string kNotified =
    "usdcop_alert_notifications_received_total{alertname=\"CrashProbe\",severity=\"warning\","
    "status=\"firing\"}";
// An action that changes the world (a DAG run in the simulator's Airflow), so that its answer
// is kept for its Idempotency-Key.
const std::string kForceSync = R"({"action": "force-sync", "layer": "L0"})";

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// What the calls of one or more rounds had answered before the kill.
struct Acknowledged {
  int gets = 0;           // GETs answered 200: each an audit row
  int notifications = 0;  // webhook posts answered 200: each a firing notification counted
  std::string last_key;   // the newest Idempotency-Key answered 200
  std::map<std::string, double> counters;  // the highest value scraped
};

class CrashDurabilityIT : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string zone = AlwaysOpenZone();
    stack_.StartSim({"--market.sqlite",
                     stack_.File("market.db"),
                     "--market.calendar",
                     "always",
                     "--market.timezone",
                     zone,
                     "--market.bar-interval",
                     "1s",
                     "--market.latency",
                     "200ms",
                     "--market.backfill-days",
                     "1",
                     "--backups.dir",
                     stack_.File("backups"),
                     "--backups.layers",
                     "L0",
                     "--backups.cadence",
                     "2s",
                     "--backups.backfill",
                     "2",
                     "--backups.files",
                     "3",
                     "--backups.file-size",
                     "256KiB",
                     "--auto",
                     "--speed",
                     "300"});
    stack_.WriteConfig(AlwaysOpenCalendarYaml(zone, "1s") + stack_.PipelineConfig("1s", "800ms") +
                       "  market_data:\n    interval: 1s\n    timeout: 800ms\n"
                       "    source: {sqlite: market.db}\n    windows: [10m]\n    lookback: 1m\n"
                       "  backups:\n    interval: 1s\n    timeout: 800ms\n    layers:\n"
                       "      - {layer: L0, path: backups/l0, cadence: 2s, retention: 1h}\n"
                       "control:\n  tokens:\n" +
                       ControlTokenYaml("ops", kOperator, "operator") +
                       ControlTokenYaml("alertmanager", kWebhook, "webhook") +
                       "  rate_limit: {per_second: 10000, burst: 10000}\n");
  }

  // Starts the exporter on the state.db of the earlier rounds, and waits until its probes have
  // run once: every counter scraped before is there again. False when it did not come up.
  bool Start(const Acknowledged& before) {
    control_port_ = StartExporterWithControl(stack_);
    return control_port_ > 0 && Eventually(
                                    [&] {
                                      Series s = stack_.Scrape();
                                      for (const auto& [name, value] : before.counters)
                                        if (!s.count(name)) return false;
                                      return s.count(kIngested) && s.count(kVerified);
                                    },
                                    10s);
  }

  httplib::Result Call(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body = "", httplib::Headers headers = {}) const {
    httplib::Client c("127.0.0.1", control_port_);
    c.set_connection_timeout(2s);
    c.set_read_timeout(10s);
    headers.emplace("Authorization", std::string("Bearer ") + token);
    return method == "GET" ? c.Get(path, headers) : c.Post(path, headers, body, "application/json");
  }

  // Calls and scrapes until `stop`, counting what was answered into `ack`.
  void Traffic(const std::atomic<bool>& stop, int round, Acknowledged& ack) const {
    for (int i = 0; !stop && i < 100000; ++i) {
      switch (i % 4) {
        case 0: {
          auto r = Call("GET", "/api/l0/health", kOperator);
          if (r && r->status == 200) ack.gets++;
          break;
        }
        case 1: {
          json alert = {{"status", "firing"},
                        {"labels", {{"alertname", "CrashProbe"}, {"severity", "warning"}}},
                        {"startsAt", "2026-12-01T00:00:00Z"},
                        {"endsAt", "0001-01-01T00:00:00Z"},
                        {"fingerprint", std::to_string(round) + "-" + std::to_string(i)}};
          json payload = {{"version", "4"}, {"status", "firing"}, {"alerts", {alert}}};
          auto r = Call("POST", "/api/alerts/webhook", kWebhook, payload.dump());
          if (r && r->status == 200) ack.notifications++;
          break;
        }
        case 2: {
          if (i % 40 != 2) break;  // one DAG run in ten cycles: the simulator keeps them all
          const std::string key = "crash-" + std::to_string(round) + "-" + std::to_string(i);
          auto r = Call("POST", "/api/pipeline/health", kOperator, kForceSync,
                        {{"Idempotency-Key", key}});
          if (r && r->status == 200) ack.last_key = key;
          break;
        }
        default: {
          auto text = HttpGet(stack_.exporter_port(), "/metrics");
          if (!text) break;
          for (const auto& [name, value] : ParseExposition(*text))
            for (const char* family : kKeptCounters)
              if (name.starts_with(family))
                ack.counters[name] = std::max(ack.counters[name], value);
        }
      }
    }
  }

  Stack stack_;
  int control_port_ = 0;
};

TEST_F(CrashDurabilityIT, Kill9AtRandomMomentsLosesNothingAcknowledged) {
  const int rounds = EnvInt("USDCOP_CRASH_ROUNDS", 50);
  const unsigned seed = static_cast<unsigned>(EnvInt("USDCOP_CRASH_SEED", std::random_device{}()));
  std::cout << "USDCOP_CRASH_SEED=" << seed << " USDCOP_CRASH_ROUNDS=" << rounds << std::endl;
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> kill_after_ms(0, 1500);

  Acknowledged total;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + " of seed " + std::to_string(seed));
    ASSERT_TRUE(Start(total)) << stack_.exporter().Log();
    const std::string log_at_start = stack_.exporter().Log();
    EXPECT_THAT(log_at_start, Not(HasSubstr("level=error"))) << "an unclean start";

    // Everything answered before the earlier kills is there.
    Series s = stack_.Scrape();
    for (const auto& [name, value] : total.counters) {
      ASSERT_TRUE(s.count(name)) << name << " is missing after a restart";
      EXPECT_GE(s[name], value) << name << " went backwards";
    }
    if (total.notifications > 0) {
      EXPECT_GE(s[kNotified], total.notifications);
    }
    const auto audited = QueryRow(
        stack_.File("state.db"),
        "SELECT count(*) FROM audit_log WHERE method = 'GET' AND endpoint = '/api/l0/health' "
        "AND code = 200");
    ASSERT_EQ(audited.size(), 1u);
    EXPECT_GE(std::stoi(audited[0]), total.gets) << "audit rows of answered calls lost";
    if (!total.last_key.empty()) {
      auto replay = Call("POST", "/api/pipeline/health", kOperator, kForceSync,
                         {{"Idempotency-Key", total.last_key}});
      ASSERT_TRUE(replay);
      EXPECT_EQ(replay->status, 200);
      EXPECT_EQ(replay->get_header_value("Idempotency-Replayed"), "true")
          << "the answer to " << total.last_key << " was lost";
    }

    // Traffic, and a kill -9 at a random moment of it.
    Acknowledged ack;
    ack.counters = total.counters;
    std::atomic<bool> stop{false};
    std::thread traffic([&] { Traffic(stop, round, ack); });
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(random)));
    stack_.exporter().Signal(SIGKILL);
    EXPECT_EQ(stack_.exporter().WaitExit(5s), 128 + SIGKILL);
    stop = true;
    traffic.join();
    total.gets += ack.gets;
    total.notifications += ack.notifications;
    if (!ack.last_key.empty()) total.last_key = ack.last_key;
    total.counters = ack.counters;
    if (HasFailure()) break;
  }
  std::cout << "answered before the kills: " << total.gets << " audited GETs, "
            << total.notifications << " notifications; counters " << json(total.counters).dump()
            << std::endl;
  EXPECT_GT(total.gets, rounds / 2);
  EXPECT_GT(total.notifications, rounds / 2);
  EXPECT_GT(total.counters[kVerified], 0);
  EXPECT_FALSE(total.last_key.empty());
}

}  // namespace
}  // namespace usdcop::testing
