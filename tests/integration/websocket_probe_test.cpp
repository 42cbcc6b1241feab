// The WebSocket probe of the real exporter against pipeline-sim's WebSocket service: every
// usdcop_websocket_* metric on a healthy feed, each of the service's faults with its reason and
// message, wss:// with a test CA (and without it), and a service that is not there.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/alerting.h"
#include "support/sim_json.h"
#include "support/stack.h"
#include "support/test_pki.h"
#include "support/ws_client.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

class WebSocketProbeIT : public ::testing::Test {
 protected:
  // The simulator with hour-long bars on the always calendar (the snapshot on connect is the
  // probe's first data message), and its WebSocket service on a free port.
  void StartSim(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--market.sqlite",        stack_.File("market.db"),
                                     "--market.calendar",      "always",
                                     "--market.bar-interval",  "1h",
                                     "--market.backfill-days", "1",
                                     "--websocket.listen",     "127.0.0.1:0",
                                     "--websocket.port-file",  stack_.File("ws.port")};
    args.insert(args.end(), extra.begin(), extra.end());
    stack_.StartSim(args);
    std::ifstream(stack_.File("ws.port")) >> ws_port_;
    ASSERT_GT(ws_port_, 0);
  }
  // probes.websocket against the simulator; `extra` is added to the section.
  void StartExporter(const std::string& scheme, const std::string& extra = "") {
    const std::string host = "127.0.0.1:" + std::to_string(ws_port_);
    const std::string http = scheme == "wss" ? "https" : "http";
    stack_.WriteConfig("probes:\n  websocket:\n    interval: 1s\n    timeout: 900ms\n    url: " +
                       scheme + "://" + host + "/ws\n    status_url: " + http + "://" + host +
                       "/status\n    connect_timeout: 300ms\n"
                       "    handshake_timeout: 400ms\n    read_timeout: 500ms\n" +
                       extra);
    stack_.StartExporter();
  }
  double Value(const std::string& series) const {
    auto s = stack_.Scrape();
    auto it = s.find(series);
    return it == s.end() ? -1 : it->second;
  }
  static std::string Errors(const std::string& reason) {
    return "usdcop_probe_errors_total{probe=\"websocket\",reason=\"" + reason + "\"}";
  }

  Stack stack_;
  int ws_port_ = 0;
};

TEST_F(WebSocketProbeIT, AHealthyFeedGivesEveryMetric) {
  StartSim();
  StartExporter("ws");
  ASSERT_TRUE(stack_.WaitForValue("usdcop_websocket_up", 1)) << stack_.exporter().Log();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"websocket\"}", 1));
  Series s = stack_.Scrape();
  EXPECT_GT(s["usdcop_websocket_handshake_seconds"], 0);
  EXPECT_GE(s["usdcop_websocket_first_message_seconds"], s["usdcop_websocket_handshake_seconds"]);
  auto published = UnixSeconds(GetJson(ws_port_, "/status")["last_published_bar"]);
  ASSERT_TRUE(published);
  EXPECT_EQ(s["usdcop_websocket_last_message_timestamp_seconds"], static_cast<double>(*published));
  // The probe reads the status before it connects: its own session is never counted.
  EXPECT_EQ(s["usdcop_websocket_connected_clients"], 0);
  const double received = s["usdcop_websocket_messages_received_total"];
  EXPECT_GE(received, 1);
  EXPECT_TRUE(stack_.WaitForAtLeast("usdcop_websocket_messages_received_total", received + 2));

  WsClient trader;  // a client of the service's own
  ASSERT_TRUE(trader.Connect({.port = ws_port_}, 5s)) << trader.error();
  EXPECT_TRUE(stack_.WaitForValue("usdcop_websocket_connected_clients", 1));
  EXPECT_TRUE(trader.Close(5s));
  EXPECT_TRUE(stack_.WaitForValue("usdcop_websocket_connected_clients", 0));

  // Every session closed cleanly: the simulator holds none of the probe's.
  EXPECT_THAT(stack_.exporter().Log(), Not(HasSubstr("did not close cleanly")));
  EXPECT_EQ(stack_.CheckContract(stack_.ScrapeText(), {"usdcop_websocket_"}), "");
}

TEST_F(WebSocketProbeIT, EachFaultOfTheServiceGivesItsReasonAndMessage) {
  StartSim();
  StartExporter("ws");
  ASSERT_TRUE(stack_.WaitForValue("usdcop_websocket_up", 1)) << stack_.exporter().Log();
  struct Case {
    const char* fault;
    const char* reason;
    const char* says;
    bool upgraded;
  } cases[] = {
      {R"({"fault": "refuse_upgrade"})", "handshake", "refused the WebSocket upgrade: HTTP 403",
       false},
      {R"({"fault": "silent"})", "timeout",
       "no data message within read_timeout 500ms of the upgrade", true},
      {R"({"fault": "garbage"})", "parse", "message 1: not a JSON object", true},
      {R"({"fault": "drop", "after_messages": 0})", "closed", "dropped without a close frame",
       true},
      {R"({"fault": "close_frame"})", "closed",
       "closed the WebSocket (code 1011: simulated server error)", true},
      {R"({"fault": "slow", "seconds": 30})", "timeout", "within handshake_timeout 400ms", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fault);
    const double before = std::max(0.0, Value(Errors(c.reason)));
    stack_.Sim("/sim/websocket/fault", c.fault);
    ASSERT_TRUE(stack_.WaitForAtLeast(Errors(c.reason), before + 2)) << stack_.exporter().Log();
    ASSERT_TRUE(stack_.WaitForValue("usdcop_websocket_up", 0));
    EXPECT_EQ(stack_.Scrape().count("usdcop_websocket_handshake_seconds"), c.upgraded ? 1u : 0u);
    EXPECT_THAT(stack_.exporter().Log(), HasSubstr(c.says));
    stack_.Sim("/sim/websocket/fault", R"({"fault": "none"})");
    ASSERT_TRUE(stack_.WaitForValue("usdcop_websocket_up", 1));
  }
}

TEST_F(WebSocketProbeIT, NothingListeningIsReasonConnect) {
  stack_.WriteConfig(
      "probes:\n  websocket:\n    interval: 1s\n    timeout: 900ms\n    url: ws://127.0.0.1:" +
      std::to_string(FreeLowPort()) + "/ws\n");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForAtLeast(Errors("connect"), 1)) << stack_.exporter().Log();
  EXPECT_TRUE(stack_.WaitForValue("usdcop_websocket_up", 0));
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("Connection refused"));
}

class WebSocketProbeTlsIT : public WebSocketProbeIT {
 protected:
  void SetUp() override {
    pki_ = MakeTestPki(stack_.Dir());
    StartSim({"--websocket.tls-cert", pki_.server_cert, "--websocket.tls-key", pki_.server_key});
  }
  TestPki pki_;
};

TEST_F(WebSocketProbeTlsIT, WssAndHttpsWithTheTestCa) {
  StartExporter("wss", "    ca_file: " + pki_.ca_cert + "\n");
  ASSERT_TRUE(stack_.WaitForValue("usdcop_websocket_up", 1)) << stack_.exporter().Log();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"websocket\"}", 1))
      << stack_.exporter().Log();
  EXPECT_EQ(Value("usdcop_websocket_connected_clients"), 0);  // read over https with the same CA
}

TEST_F(WebSocketProbeTlsIT, WithoutTheCaTheCertificateIsRefused) {
  StartExporter("wss");
  ASSERT_TRUE(stack_.WaitForAtLeast(Errors("tls"), 1)) << stack_.exporter().Log();
  EXPECT_TRUE(stack_.WaitForValue("usdcop_websocket_up", 0));
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("certificate verify failed"));
}

}  // namespace
}  // namespace usdcop::testing
