// pipeline-sim's WebSocket server (--websocket.listen): the market_data messages (a snapshot of
// the newest published bar on connect, then one per bar published), /health and /status with
// real counts, every fault of POST /sim/websocket/fault, TLS with a test CA, bad flags, and a
// prompt stop with held connections. Hour-long bars where a test counts messages (no new bar
// comes during the test, see WaitOutABarDueSoon); 1-second bars on the `always` calendar where
// a test waits for one.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/sim_json.h"
#include "support/stack.h"
#include "support/test_pki.h"
#include "support/ws_client.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The simulator's flags for market data on the always calendar with bars of `interval`.
std::vector<std::string> MarketFlags(const Stack& stack, const std::string& interval) {
  return {"--market.sqlite",        stack.File("market.db"),
          "--market.calendar",      "always",
          "--market.timezone",      AlwaysOpenZone(),
          "--market.bar-interval",  interval,
          "--market.backfill-days", "1"};
}

int ReadPort(const std::string& path) {
  std::ifstream in(path);
  int port = 0;
  in >> port;
  return port;
}

json Parse(const std::string& text) {
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

class SimWebSocketIT : public ::testing::Test {
 protected:
  // Starts the simulator with market data and the WebSocket server on a free port.
  void StartSim(const std::string& bar_interval, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = MarketFlags(stack_, bar_interval);
    args.insert(args.end(), {"--websocket.listen", "127.0.0.1:0", "--websocket.port-file",
                             stack_.File("ws.port")});
    args.insert(args.end(), extra.begin(), extra.end());
    stack_.StartSim(args);
    ws_port_ = ReadPort(stack_.File("ws.port"));
    ASSERT_GT(ws_port_, 0);
    if (bar_interval == "1h") WaitOutABarDueSoon();
  }
  // Tests that count messages on hour-long bars: when a bar is due within 20 s (at the turn of
  // the hour), waits until it is published (the next one is due an hour later).
  void WaitOutABarDueSoon() const {
    auto due_at = [&] {
      return UnixSeconds(GetJson(stack_.sim_port(), "/sim/market/state")["next_bar_due_at"]);
    };
    auto due = due_at();
    if (!due || *due - std::time(nullptr) > 20) return;
    ASSERT_TRUE(Eventually([&] { return due_at() > due; }, 30s))
        << "the bar due at " << *due << " never came";
  }
  json State() const { return GetJson(stack_.sim_port(), "/sim/websocket/state"); }
  json Status() const { return GetJson(ws_port_, "/status"); }
  void Fault(const std::string& body) const { stack_.Sim("/sim/websocket/fault", body); }
  WsClientOptions Options() const { return {.port = ws_port_}; }
  // A client connected to /ws (the test fails when it cannot connect).
  std::unique_ptr<WsClient> Connected() const {
    auto client = std::make_unique<WsClient>();
    EXPECT_TRUE(client->Connect(Options(), 5s)) << client->error();
    return client;
  }
  bool StateShows(const char* count, int64_t value) const {
    return Eventually([&] { return State().value(count, int64_t{-1}) == value; }, 5s);
  }

  Stack stack_;
  int ws_port_ = 0;
};

TEST_F(SimWebSocketIT, TheSnapshotOnConnectIsTheLastPublishedBar) {
  StartSim("1h");
  auto client = Connected();
  auto text = client->Read(5s);
  ASSERT_TRUE(text) << client->end().error;
  json message = Parse(*text);
  ASSERT_TRUE(message.is_object()) << *text;
  EXPECT_EQ(message.size(), 3u) << *text;
  EXPECT_EQ(message["channel"], "market_data");
  EXPECT_TRUE(std::regex_match(message.value("timestamp", ""),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
      << *text;
  const json& data = message["data"];
  EXPECT_EQ(data.size(), 7u) << *text;
  EXPECT_EQ(data["symbol"], "USD/COP");
  EXPECT_EQ(data["time"], Status()["last_published_bar"]) << *text;
  EXPECT_TRUE(
      std::regex_match(data.value("time", ""), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:00:00Z)")))
      << *text;
  for (const char* key : {"open", "high", "low", "close", "volume"})
    ASSERT_TRUE(data[key].is_number()) << key;
  EXPECT_LE(data["low"].get<double>(),
            std::min(data["open"].get<double>(), data["close"].get<double>()));
  EXPECT_GE(data["high"].get<double>(),
            std::max(data["open"].get<double>(), data["close"].get<double>()));
  EXPECT_FALSE(client->Read(1s)) << "no bar is published within the hour";
  EXPECT_FALSE(client->end().ended) << client->end().error;
}

TEST_F(SimWebSocketIT, ANewBarArrivesAsAMessage) {
  StartSim("1s");
  auto client = Connected();
  auto first = client->Read(5s);
  ASSERT_TRUE(first);
  int64_t sent = State()["messages_sent"];
  auto next = client->Read(10s);
  ASSERT_TRUE(next) << client->end().error;
  auto first_bar = UnixSeconds(Parse(*first)["data"]["time"]);
  auto next_bar = UnixSeconds(Parse(*next)["data"]["time"]);
  ASSERT_TRUE(first_bar && next_bar) << *first << "\n" << *next;
  EXPECT_GT(*next_bar, *first_bar);
  // Counted when the server's write completes, which may be just after the client has read it.
  EXPECT_TRUE(Eventually([&] { return State()["messages_sent"].get<int64_t>() > sent; }, 5s))
      << State().dump();
}

TEST_F(SimWebSocketIT, HealthAndStatusCountTheSessions) {
  StartSim("1h");
  json health = GetJson(ws_port_, "/health");
  EXPECT_EQ(health["status"], "healthy");
  EXPECT_EQ(health["service"], "usdcop-websocket (pipeline-sim stand-in)");
  EXPECT_EQ(health["redis_connected"], true);
  EXPECT_EQ(health["connections"], 0);
  EXPECT_TRUE(UnixSeconds(health["timestamp"])) << health.dump();
  json before = Status()["websocket_connections"];
  EXPECT_EQ(before["active_connections"], 0);
  EXPECT_EQ(before["total_connections"], 0);

  auto client = Connected();
  ASSERT_TRUE(client->Read(5s));
  ASSERT_TRUE(Eventually([&] { return GetJson(ws_port_, "/health")["connections"] == 1; }, 5s));
  // A message is counted when the server's write completes, which may be just after it was read.
  ASSERT_TRUE(Eventually(
      [&] {
        return Status()["websocket_connections"]["messages_sent"].get<int64_t>() >
               before["messages_sent"].get<int64_t>();
      },
      5s));
  json during = Status();
  EXPECT_EQ(during["connections"], 1);
  EXPECT_EQ(during["websocket_connections"]["active_connections"], 1);
  EXPECT_EQ(during["websocket_connections"]["total_connections"], 1);
  EXPECT_EQ(during["websocket_connections"]["messages_sent"].get<int64_t>(),
            before["messages_sent"].get<int64_t>() + 1)
      << "the snapshot";
  // The main port serves the same body.
  EXPECT_EQ(GetJson(stack_.sim_port(), "/status")["websocket_connections"],
            during["websocket_connections"]);

  EXPECT_TRUE(client->Close(5s)) << client->end().error;
  ASSERT_TRUE(
      Eventually([&] { return Status()["websocket_connections"]["active_connections"] == 0; }, 5s));
  json after = Status();
  EXPECT_EQ(after["connections"], 0);
  EXPECT_EQ(after["websocket_connections"]["total_connections"], 1);
  EXPECT_EQ(State()["messages_sent"], 1);
}

TEST_F(SimWebSocketIT, ClientMessagesAreIgnoredAndACloseIsAnswered) {
  StartSim("1h");
  auto client = Connected();
  ASSERT_TRUE(client->Read(5s));
  EXPECT_TRUE(client->SendText(
      R"({"action": "subscribe", "channel": "market_data", "symbol": "USD/COP"})", 5s));
  EXPECT_TRUE(client->SendText("not json at all", 5s));
  EXPECT_FALSE(client->Read(500ms));
  EXPECT_FALSE(client->end().ended) << client->end().error;
  EXPECT_TRUE(client->Close(5s)) << client->end().error;
  EXPECT_TRUE(StateShows("active_connections", 0));
}

TEST_F(SimWebSocketIT, OtherRequestsGetJsonErrors) {
  StartSim("1h");
  std::string body;
  EXPECT_EQ(HttpGetStatus(ws_port_, "/nope", &body), 404);
  EXPECT_EQ(Parse(body)["status"], 404) << body;
  EXPECT_EQ(HttpGetStatus(ws_port_, "/ws", &body), 426);
  EXPECT_TRUE(Parse(body).is_object()) << body;
  EXPECT_EQ(HttpPost(ws_port_, "/status", "{}", &body), 405);
  WsClient elsewhere;
  EXPECT_FALSE(elsewhere.Connect({.port = ws_port_, .path = "/other"}, 5s));
  EXPECT_EQ(elsewhere.status(), 404);
}

TEST_F(SimWebSocketIT, ManyClientsAndOneThatNeverReads) {
  StartSim("1s");
  auto idle = Connected();  // never reads
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < 20; ++i) clients.push_back(Connected());
  EXPECT_TRUE(StateShows("active_connections", 21));
  for (auto& client : clients) {
    auto snapshot = client->Read(5s);
    ASSERT_TRUE(snapshot) << client->end().error;
    auto bar = UnixSeconds(Parse(*snapshot)["data"]["time"]);
    auto next = client->Read(10s);
    ASSERT_TRUE(next) << client->end().error;
    EXPECT_GT(UnixSeconds(Parse(*next)["data"]["time"]).value_or(0), bar.value_or(0));
  }
  for (auto& client : clients) EXPECT_TRUE(client->Close(5s)) << client->end().error;
  idle->Abandon();
  EXPECT_TRUE(StateShows("active_connections", 0));
  EXPECT_EQ(State()["total_connections"], 21);
}

TEST_F(SimWebSocketIT, RefuseUpgradeAnswers403) {
  StartSim("1h");
  Fault(R"({"fault": "refuse_upgrade"})");
  WsClient client;
  EXPECT_FALSE(client.Connect(Options(), 5s));
  EXPECT_EQ(client.status(), 403) << client.error();
  json state = State();
  EXPECT_EQ(state["upgrades_refused"], 1);
  EXPECT_EQ(state["total_connections"], 0);
  EXPECT_EQ(GetJson(ws_port_, "/health")["status"], "healthy")
      << "plain requests are served as before";
}

TEST_F(SimWebSocketIT, SilentHoldsTheSessionUntilTheFaultIsCleared) {
  StartSim("1h");
  Fault(R"({"fault": "silent"})");
  auto client = Connected();
  EXPECT_EQ(client->status(), 101);
  EXPECT_FALSE(client->Read(1500ms)) << "silent sends nothing";
  EXPECT_FALSE(client->end().ended) << client->end().error;
  json state = State();
  EXPECT_EQ(state["held_silent"], 1);
  EXPECT_EQ(state["active_connections"], 1);
  EXPECT_EQ(state["fault"], "silent");

  Fault(R"({"fault": "none"})");
  auto released = client->Read(5s);
  ASSERT_TRUE(released) << "released sessions stream as usual: " << client->end().error;
  EXPECT_EQ(Parse(*released)["channel"], "market_data");
  EXPECT_EQ(State()["held_silent"], 0);
}

TEST_F(SimWebSocketIT, GarbageSendsAFirstFrameThatIsNotJson) {
  StartSim("1h");
  Fault(R"({"fault": "garbage"})");
  auto client = Connected();
  auto first = client->Read(5s);
  ASSERT_TRUE(first) << client->end().error;
  EXPECT_TRUE(Parse(*first).is_discarded()) << *first;
  auto second = client->Read(5s);
  ASSERT_TRUE(second) << client->end().error;
  EXPECT_EQ(Parse(*second)["channel"], "market_data") << *second;
  ASSERT_TRUE(Eventually([&] { return State()["messages_sent"] == 1; }, 5s))
      << "the data message is counted";
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(State()["messages_sent"], 1) << "the garbage frame is no data message";
}

TEST_F(SimWebSocketIT, DropEndsTheConnectionWithoutACloseFrame) {
  StartSim("1h");
  Fault(R"({"fault": "drop", "after_messages": 1})");
  auto client = Connected();
  ASSERT_TRUE(client->Read(5s)) << "the one message before the drop";
  EXPECT_FALSE(client->Read(5s));
  EXPECT_TRUE(client->end().ended);
  EXPECT_FALSE(client->end().close_frame) << client->end().error;
  EXPECT_FALSE(client->end().error.empty());

  Fault(R"({"fault": "drop"})");  // after no message at all
  auto again = Connected();
  EXPECT_FALSE(again->Read(5s));
  EXPECT_TRUE(again->end().ended);
  EXPECT_FALSE(again->end().close_frame) << again->end().error;
  EXPECT_TRUE(StateShows("active_connections", 0));
}

TEST_F(SimWebSocketIT, CloseFrameCloses1011BeforeAnyData) {
  StartSim("1h");
  Fault(R"({"fault": "close_frame"})");
  auto client = Connected();
  EXPECT_FALSE(client->Read(5s));
  EXPECT_TRUE(client->end().close_frame) << client->end().error;
  EXPECT_EQ(client->end().close_code, 1011);
  EXPECT_EQ(client->end().close_reason, "simulated server error");
  EXPECT_EQ(State()["messages_sent"], 0);
}

TEST_F(SimWebSocketIT, SlowHoldsTheHandshakeUntilTheFaultIsCleared) {
  StartSim("1h");
  Fault(R"({"fault": "slow", "seconds": 60})");
  EXPECT_EQ(State()["seconds"], 60);
  WsClient client;
  EXPECT_FALSE(client.Connect(Options(), 1500ms));
  EXPECT_TRUE(client.connecting()) << client.error();
  EXPECT_EQ(client.status(), 0);
  EXPECT_TRUE(StateShows("handshakes_pending", 1));
  EXPECT_EQ(GetJson(ws_port_, "/health")["status"], "healthy") << "other requests are not held";

  Fault(R"({"fault": "none"})");
  EXPECT_TRUE(client.AwaitConnect(5s)) << client.error();
  EXPECT_EQ(client.status(), 101);
  EXPECT_TRUE(client.Read(5s));
  EXPECT_EQ(State()["handshakes_pending"], 0);
}

TEST_F(SimWebSocketIT, SlowAnswersAfterItsSeconds) {
  StartSim("1h");
  Fault(R"({"fault": "slow", "seconds": 1})");
  auto started = std::chrono::steady_clock::now();
  auto client = Connected();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  EXPECT_TRUE(client->Read(5s));
}

TEST_F(SimWebSocketIT, ResetClearsTheFault) {
  StartSim("1h");
  Fault(R"({"fault": "refuse_upgrade"})");
  stack_.Sim("/sim/reset", "");
  json state = GetJson(stack_.sim_port(), "/sim/state");
  EXPECT_EQ(state["websocket"]["fault"], "none") << state["websocket"].dump();
  auto client = Connected();
  EXPECT_TRUE(client->Read(5s));
}

TEST_F(SimWebSocketIT, TheStateAndTheFaultAnswer) {
  StartSim("1h");
  json state = State();
  for (const char* key :
       {"enabled", "url", "tls", "fault", "seconds", "after_messages", "active_connections",
        "total_connections", "messages_sent", "bars_published", "upgrades_refused",
        "handshakes_pending", "held_silent", "slow_clients_dropped"})
    EXPECT_TRUE(state.contains(key)) << key << " in " << state.dump();
  EXPECT_EQ(state["url"], "ws://127.0.0.1:" + std::to_string(ws_port_) + "/ws");
  EXPECT_EQ(state["tls"], false);
  EXPECT_EQ(GetJson(stack_.sim_port(), "/sim/state")["websocket"]["url"], state["url"]);

  std::string body;
  ASSERT_EQ(HttpPost(stack_.sim_port(), "/sim/websocket/fault",
                     R"({"fault": "drop", "after_messages": 2})", &body),
            200);
  EXPECT_EQ(Parse(body), json({{"fault", "drop"}, {"after_messages", 2}, {"seconds", nullptr}}))
      << body;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"fault": "bogus"})", "fault"},
      {R"({})", "fault"},
      {R"({"fault": "slow", "seconds": 601})", "seconds"},
      {R"({"fault": "silent", "seconds": 1})", "seconds"},
      {R"({"fault": "drop", "after_messages": -1})", "after_messages"},
      {R"({"fault": "garbage", "after_messages": 1})", "after_messages"},
      {R"({"fault": "none", "extra": 1})", "extra"},
  };
  for (const auto& [request, field] : bad) {
    EXPECT_EQ(HttpPost(stack_.sim_port(), "/sim/websocket/fault", request, &body), 400) << request;
    EXPECT_EQ(Parse(body).value("field", ""), field) << request << ": " << body;
  }
  EXPECT_EQ(State()["fault"], "drop") << "bad requests change nothing";
}

TEST_F(SimWebSocketIT, TheUrlIsAnnouncedBeforeTheListeningLine) {
  StartSim("1h");
  std::ifstream in(stack_.File("sim-1.log"));
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string announced =
      "pipeline-sim websocket on ws://127.0.0.1:" + std::to_string(ws_port_) + "/ws\n";
  size_t ws_line = log.find(announced);
  ASSERT_NE(ws_line, std::string::npos) << log;
  EXPECT_LT(ws_line, log.find("pipeline-sim listening on http://")) << log;
}

// TLS: a CA and a server certificate for 127.0.0.1 made for the test.
class SimWebSocketTlsIT : public SimWebSocketIT {
 protected:
  void SetUp() override {
    pki_ = MakeTestPki(stack_.Dir());
    StartSim("1h",
             {"--websocket.tls-cert", pki_.server_cert, "--websocket.tls-key", pki_.server_key});
  }
  TestPki pki_;
};

TEST_F(SimWebSocketTlsIT, WssWithTheCaStreams) {
  EXPECT_EQ(State()["url"], "wss://127.0.0.1:" + std::to_string(ws_port_) + "/ws");
  EXPECT_EQ(State()["tls"], true);
  WsClient client;
  ASSERT_TRUE(client.Connect({.port = ws_port_, .tls = true, .ca_file = pki_.ca_cert}, 5s))
      << client.error();
  auto text = client.Read(5s);
  ASSERT_TRUE(text) << client.end().error;
  EXPECT_EQ(Parse(*text)["channel"], "market_data");
  EXPECT_TRUE(client.Close(5s)) << client.end().error;
}

TEST_F(SimWebSocketTlsIT, WithoutTheCaTheCertificateFailsVerification) {
  WsClient client;
  EXPECT_FALSE(client.Connect({.port = ws_port_, .tls = true}, 5s));
  EXPECT_NE(client.error().find("TLS"), std::string::npos) << client.error();
  EXPECT_EQ(client.status(), 0);
  WsClient plain;
  EXPECT_FALSE(plain.Connect(Options(), 5s)) << "the port speaks TLS only";
}

TEST_F(SimWebSocketTlsIT, StatusOverHttps) {
  httplib::SSLClient https("127.0.0.1", ws_port_);
  https.set_ca_cert_path(pki_.ca_cert.c_str());
  https.enable_server_certificate_verification(true);
  https.set_connection_timeout(5s);
  https.set_read_timeout(5s);
  auto res = https.Get("/status");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(Parse(res->body)["last_published_bar"].is_string()) << res->body;
}

// The simulator with `flags` (and the usual ones) exits 2 naming `expected` and no listening line.
void ExpectBadFlags(const Stack& stack, const std::vector<std::string>& flags,
                    const std::string& expected) {
  std::vector<std::string> argv = {PIPELINE_SIM_BIN, "--listen", "127.0.0.1:0", "--state-dir",
                                   stack.File("sim")};
  argv.insert(argv.end(), flags.begin(), flags.end());
  CommandResult r = RunCommand(argv, "", 10s);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(expected), std::string::npos) << "expected \"" << expected << "\" in:\n"
                                                        << r.output;
  EXPECT_EQ(r.output.find("listening"), std::string::npos) << r.output;
}

TEST(SimWebSocketFlagsIT, BadFlagsStopTheSimulatorAtStart) {
  Stack stack;
  TestPki pki = MakeTestPki(stack.Dir());
  std::filesystem::create_directories(stack.File("other"));
  TestPki other = MakeTestPki(stack.File("other"));
  stack.WriteFile("not-pem", "hello\n");
  const std::vector<std::string> ws = {"--websocket.listen", "127.0.0.1:0"};
  auto with = [&](std::vector<std::string> flags) {
    std::vector<std::string> all = MarketFlags(stack, "1h");
    all.insert(all.end(), ws.begin(), ws.end());
    all.insert(all.end(), flags.begin(), flags.end());
    return all;
  };
  ExpectBadFlags(stack, ws, "--websocket.listen needs market data");
  ExpectBadFlags(stack, {"--websocket.port-file", stack.File("p")},
                 "--websocket.port-file goes with --websocket.listen");
  ExpectBadFlags(stack, with({"--websocket.tls-cert", pki.server_cert}), "give both or neither");
  ExpectBadFlags(stack,
                 with({"--websocket.tls-cert", stack.File("missing.pem"), "--websocket.tls-key",
                       pki.server_key}),
                 "--websocket.tls-cert: cannot read " + stack.File("missing.pem"));
  ExpectBadFlags(
      stack,
      with({"--websocket.tls-cert", stack.File("not-pem"), "--websocket.tls-key", pki.server_key}),
      "--websocket.tls-cert: " + stack.File("not-pem"));
  ExpectBadFlags(
      stack,
      with({"--websocket.tls-cert", pki.server_cert, "--websocket.tls-key", stack.File("not-pem")}),
      "--websocket.tls-key: " + stack.File("not-pem"));
  ExpectBadFlags(
      stack,
      with({"--websocket.tls-cert", pki.server_cert, "--websocket.tls-key", other.server_key}),
      "--websocket.tls-key: " + other.server_key + " is not the key");
  std::vector<std::string> bad_address = MarketFlags(stack, "1h");
  bad_address.insert(bad_address.end(), {"--websocket.listen", "8080"});
  ExpectBadFlags(stack, bad_address, "--websocket.listen: expected host:port");
  // The exporter's parser: a bare IPv6 address needs brackets ("[::1]:0").
  std::vector<std::string> bare_v6 = MarketFlags(stack, "1h");
  bare_v6.insert(bare_v6.end(), {"--websocket.listen", "::1:0"});
  ExpectBadFlags(stack, bare_v6, "--websocket.listen: expected host:port");
}

TEST(SimWebSocketOffIT, TheControlEndpointAnswers409) {
  Stack stack;
  stack.StartSim(MarketFlags(stack, "1h"));
  std::string body;
  EXPECT_EQ(HttpPost(stack.sim_port(), "/sim/websocket/fault", R"({"fault": "silent"})", &body),
            409);
  EXPECT_EQ(Parse(body).value("field", ""), "websocket") << body;
  EXPECT_EQ(HttpGetStatus(stack.sim_port(), "/sim/websocket/state", &body), 409);
  EXPECT_EQ(GetJson(stack.sim_port(), "/sim/state")["websocket"], json({{"enabled", false}}));
  json status = GetJson(stack.sim_port(), "/status");
  EXPECT_EQ(status["websocket_connections"]["active_connections"], 0) << status.dump();
}

TEST(SimWebSocketStopIT, SigtermStopsPromptlyWithHeldConnections) {
  Stack stack;
  std::vector<std::string> argv = {
      PIPELINE_SIM_BIN,     "--listen",           "127.0.0.1:0", "--state-dir",
      stack.File("sim"),    "--websocket.listen", "127.0.0.1:0", "--websocket.port-file",
      stack.File("ws.port")};
  for (const std::string& flag : MarketFlags(stack, "1h")) argv.push_back(flag);
  Process sim(argv, stack.File("sim.log"));
  auto port = sim.WaitForLog("listening on http://127\\.0\\.0\\.1:([0-9]+)", 10s);
  ASSERT_TRUE(port) << sim.Log();
  const int control = std::stoi(*port);
  const int ws_port = ReadPort(stack.File("ws.port"));
  auto state = [&] { return GetJson(control, "/sim/websocket/state"); };

  ASSERT_EQ(HttpPost(control, "/sim/websocket/fault", R"({"fault": "silent"})"), 200);
  WsClient held;
  ASSERT_TRUE(held.Connect({.port = ws_port}, 5s)) << held.error();
  ASSERT_EQ(HttpPost(control, "/sim/websocket/fault", R"({"fault": "slow", "seconds": 600})"), 200);
  WsClient slow;
  EXPECT_FALSE(slow.Connect({.port = ws_port}, 1s));
  ASSERT_TRUE(Eventually(
      [&] { return state()["held_silent"] == 1 && state()["handshakes_pending"] == 1; }, 5s))
      << state().dump();

  auto sent = std::chrono::steady_clock::now();
  sim.Signal(SIGTERM);
  EXPECT_EQ(sim.WaitExit(5s), std::optional<int>(0)) << sim.Log();
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 2s) << sim.Log();
  EXPECT_FALSE(held.Read(2s));
  EXPECT_TRUE(held.end().ended) << "the held session ended with the simulator";
  EXPECT_FALSE(slow.AwaitConnect(2s));
}

}  // namespace
}  // namespace usdcop::testing
