// control/views.cpp: the control API's answers composed from the probes' own views
// (probes/<name>/<name>_view.cpp), looked up through the table of probe kinds.
#include "control/views.h"

#include <gtest/gtest.h>

#include "common/units.h"
#include "probes/probe_kinds.h"
#include "support/fake_clock.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kNow = 1'700'000'000;

SysTime At(double unix_seconds) {
  return SysTime(
      std::chrono::duration_cast<SysTime::duration>(std::chrono::duration<double>(unix_seconds)));
}

std::shared_ptr<const ProbeRecord> Record(std::string name, ProbeResult result,
                                          bool success = true) {
  auto r = std::make_shared<ProbeRecord>();
  r->name = std::move(name);
  r->has_run = true;
  r->success = success;
  if (!success) r->status = Status(Reason::kConnect, "connection refused");
  r->last_run_timestamp = kNow - 5;
  r->result = std::make_shared<const ProbeResult>(std::move(result));
  return r;
}

LayerResult Layer(const std::string& name) {
  LayerResult l;
  l.layer = name;
  l.dag_id = "usdcop_" + name;
  l.current = true;
  l.status = LayerStatus::kCompleted;
  l.last_success = kNow - 60;
  l.runs_success = 3;
  l.runs_failed = 1;
  return l;
}

BackupLayerResult BackupLayer(const std::string& name) {
  BackupLayerResult b;
  b.layer = name;
  b.listed = true;
  b.present = true;
  b.newest_timestamp = kNow - 3600;
  b.integrity_ok = true;
  return b;
}

BoardSnapshot FullBoard() {
  PipelineResult p;
  p.layers = {Layer("L0"), Layer("L1")};
  MarketDataResult m;
  m.symbols.push_back(SymbolResult{.symbol = "USD/COP", .last_bar = kNow - 300});
  ReadySignalResult r;
  r.present = true;
  r.timestamp = kNow - 30;
  BackupsResult b;
  b.layers = {BackupLayer("L1"), BackupLayer("L0")};
  VendorApiResult v;
  v.provider = "twelvedata";
  v.keys.push_back(VendorKeyResult{.key_id = "primary",
                                   .active = true,
                                   .created = kNow - 86400 * 10,
                                   .usage = {{"day", 400, 800}, {"minute", 3, 0}}});
  return {Record("pipeline", p), Record("market_data", m), Record("ready_signal", r),
          Record("backups", b), Record("vendor_api", v, false)};
}

TEST(ViewsTest, L0HealthWithoutProbesSaysSoAndShowsNoFigures) {
  const json v = L0HealthView({}, At(kNow));
  EXPECT_EQ(v["generated_at"], kNow);
  for (const char* name : {"pipeline", "market_data", "ready_signal", "backups", "vendor_api"})
    EXPECT_EQ(v["probes"][name], json({{"configured", false}})) << name;
  EXPECT_TRUE(v["pipeline"].is_null());
  EXPECT_FALSE(v.contains("airflow"));
  EXPECT_EQ(v["data_quality"], json::array());
  EXPECT_TRUE(v["ready_signal"].is_null());
  EXPECT_TRUE(v["backup"].is_null());
  EXPECT_EQ(v["api_usage"], json::array());
}

TEST(ViewsTest, L0HealthPicksTheL0PartsOfEachProbe) {
  const json v = L0HealthView(FullBoard(), At(kNow));
  EXPECT_EQ(v["pipeline"]["layer"], "L0");
  EXPECT_EQ(v["pipeline"]["since_last_success_seconds"], 60);
  EXPECT_EQ(v["pipeline"]["error_ratio"], 0.25);
  EXPECT_TRUE(v["airflow"].is_null());  // the pipeline ran, without an Airflow health read
  ASSERT_EQ(v["data_quality"].size(), 1u);
  EXPECT_EQ(v["data_quality"][0]["symbol"], "USD/COP");
  EXPECT_EQ(v["data_quality"][0]["last_bar_age_seconds"], 300);
  EXPECT_EQ(v["ready_signal"]["age_seconds"], 30);
  EXPECT_EQ(v["backup"]["layer"], "L0");
  EXPECT_EQ(v["backup"]["newest_age_seconds"], 3600);
  ASSERT_EQ(v["api_usage"].size(), 1u);
  EXPECT_EQ(v["api_usage"][0]["usage"]["day"]["ratio"], 0.5);
  EXPECT_TRUE(v["api_usage"][0]["usage"]["minute"]["ratio"].is_null());  // no limit known
  EXPECT_EQ(v["probes"]["vendor_api"]["success"], false);
  EXPECT_EQ(v["probes"]["vendor_api"]["error"]["message"], "connection refused");
  EXPECT_EQ(v["probes"]["pipeline"]["age_seconds"], 5);
}

TEST(ViewsTest, EndpointsListEveryLayerOfTheirProbe) {
  const BoardSnapshot board = FullBoard();
  const json pipeline = PipelineHealthView(board, At(kNow));
  ASSERT_EQ(pipeline["layers"].size(), 2u);
  EXPECT_EQ(pipeline["layers"][1]["layer"], "L1");
  EXPECT_TRUE(pipeline.contains("airflow"));
  const json backups = BackupStatusView(board, At(kNow));
  ASSERT_EQ(backups["layers"].size(), 2u);
  EXPECT_EQ(backups["layers"][0]["layer"], "L1");
  EXPECT_EQ(backups["layers"][0]["integrity_failures"].size(), kAllIntegrityReasons.size());
  const json usage = UsageMonitoringView(board, At(kNow));
  EXPECT_EQ(usage["provider"], "twelvedata");
  EXPECT_EQ(usage["keys"][0]["age_days"], 10);
}

TEST(ViewsTest, EndpointsWithoutAResultKeepTheirShape) {
  const json pipeline = PipelineHealthView({}, At(kNow));
  EXPECT_EQ(pipeline["layers"], json::array());
  EXPECT_FALSE(pipeline.contains("airflow"));
  EXPECT_EQ(BackupStatusView({}, At(kNow))["layers"], json::array());
  const json usage = UsageMonitoringView({}, At(kNow));
  EXPECT_EQ(usage["keys"], json::array());
  EXPECT_FALSE(usage.contains("provider"));
  const json ws = WebSocketStatusView({}, At(kNow));
  EXPECT_TRUE(ws["websocket"].is_null());
  EXPECT_TRUE(ws["ready_signal"].is_null());
  EXPECT_EQ(ws["probes"]["websocket"]["configured"], false);
}

TEST(ViewsTest, WebSocketViewShowsTheSessionAndTheHandover) {
  WebSocketResult w;
  w.up = true;
  w.handshake_seconds = 0.01;
  w.last_message_timestamp = kNow - 2;
  ReadySignalResult r;
  r.present = true;
  r.handover =
      HandoverResult{.last_published_bar = kNow - 600, .pending_bars = 1, .lag_seconds = 300};
  const json v = WebSocketStatusView({Record("websocket", w), Record("ready_signal", r)}, At(kNow));
  EXPECT_EQ(v["websocket"]["up"], true);
  EXPECT_EQ(v["websocket"]["last_message_age_seconds"], 2);
  EXPECT_TRUE(v["websocket"]["connected_clients"].is_null());
  EXPECT_EQ(v["ready_signal"]["handover"]["pending_records"], 1);
  EXPECT_EQ(v["ready_signal"]["handover"]["lag_seconds"], 300);
}

TEST(ViewCacheTest, RendersOncePerMillisecondAndProbeResultsAndSaysWhenFor) {
  ResultBoard board;
  board.Configure({{"pipeline", std::chrono::seconds(10)}});
  FakeClock clock(*ParseTimestamp("2026-11-25T12:00:00.123456Z"));
  int renders = 0;
  ViewCache cache(board, clock, [&renders](const BoardSnapshot& b, SysTime now) {
    ++renders;
    return nlohmann::json{{"generated_at", ToUnixSeconds(now)}, {"probes", b.size()}};
  });
  auto first = cache.Get();
  clock.Set(*ParseTimestamp("2026-11-25T12:00:00.123999Z"));  // the same millisecond
  EXPECT_EQ(cache.Get(), first) << "shared, not rendered again";
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(nlohmann::json::parse(*first)["generated_at"],
            ToUnixSeconds(*ParseTimestamp("2026-11-25T12:00:00.123Z")))
      << "the view is exact as of its millisecond";
  EXPECT_EQ(first->back(), '\n');
  clock.Set(*ParseTimestamp("2026-11-25T12:00:00.124Z"));
  auto next = cache.Get();
  EXPECT_EQ(renders, 2);
  EXPECT_NE(*next, *first);
  board.Record("pipeline", Status::Ok(), 0.1, 1.0, nullptr);  // new results, the same millisecond
  cache.Get();
  EXPECT_EQ(renders, 3);
}

}  // namespace
}  // namespace usdcop
