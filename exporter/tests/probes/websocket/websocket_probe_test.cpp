#include "probes/websocket/websocket_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "support/fake_clock.h"
#include "support/fake_http.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kBar =
    R"({"channel": "market_data", "timestamp": "2026-11-24T13:10:02Z", "data": {"time": "2026-11-24T13:05:00Z", )"
    R"("open": 4000, "high": 4001, "low": 3999, "close": 4000.5}})";
constexpr double kBarTime = 1795525500;

// What the fake service does in one session: a dial error, or messages (or errors) to read.
struct Script {
  std::optional<Status> dial_error;
  std::deque<Result<std::string>> reads;
  Status close = Status::Ok();
};

// Shared between the fake dialer and its connections: the scripts, and what the probe did.
struct Service {
  std::deque<Script> sessions;
  std::vector<std::string> events;  // "dial", "write:...", "read", "close", and the status call
  std::vector<Duration> read_timeouts;
};

class FakeConnection final : public WebSocketConnection {
 public:
  FakeConnection(Service& service, Script script) : service_(service), script_(std::move(script)) {}
  Result<std::string> Read(Duration timeout, const Deadline&) override {
    service_.events.push_back("read");
    service_.read_timeouts.push_back(timeout);
    if (script_.reads.empty())
      return Status(Reason::kTimeout, "no message within " + FormatDuration(timeout));
    auto next = script_.reads.front();
    script_.reads.pop_front();
    return next;
  }
  Status Write(const std::string& text, Duration, const Deadline&) override {
    service_.events.push_back("write:" + text);
    return Status::Ok();
  }
  Status Close(Duration, const Deadline&) override {
    service_.events.push_back("close");
    return script_.close;
  }

 private:
  Service& service_;
  Script script_;
};

class FakeDialer final : public WebSocketDialer {
 public:
  explicit FakeDialer(Service& service) : service_(service) {}
  Result<std::unique_ptr<WebSocketConnection>> Dial(const WebSocketEndpoint& endpoint, Duration,
                                                    Duration, const Deadline&,
                                                    WebSocketTimings& timings) override {
    service_.events.push_back("dial " + endpoint.url);
    Script script = service_.sessions.empty() ? Script{} : service_.sessions.front();
    if (!service_.sessions.empty()) service_.sessions.pop_front();
    if (script.dial_error) return *script.dial_error;
    timings.connected = 0.001;
    timings.upgraded = 0.004;
    return std::unique_ptr<WebSocketConnection>(
        std::make_unique<FakeConnection>(service_, std::move(script)));
  }

 private:
  Service& service_;
};

class WebSocketProbeTest : public ::testing::Test {
 protected:
  WebSocketProbeTest() {
    config_.url = "ws://ws.test/ws";
    store_ = std::move(StateStore::Open(dir_.File("state.db"))).value();
  }
  std::unique_ptr<WebSocketProbe> Probe() {
    return std::make_unique<WebSocketProbe>(config_, http_, std::make_unique<FakeDialer>(service_),
                                            *store_);
  }
  ProbeOutcome Run(WebSocketProbe& probe) {
    return probe.Run(ProbeContext{Deadline::After(5s), clock_, log_});
  }
  static const WebSocketResult& R(const ProbeOutcome& o) {
    return std::get<WebSocketResult>(o.result);
  }

  TempDir dir_;
  WebSocketProbeConfig config_;
  FakeHttp http_;
  Service service_;
  std::unique_ptr<StateStore> store_;
  FakeClock clock_{*ParseTimestamp("2026-11-24T13:10:05Z")};
  Logger log_{LogLevel::kError};
};

TEST_F(WebSocketProbeTest, ControlMessagesAreSkippedUntilTheFirstBarThenItClosesCleanly) {
  service_.sessions.push_back(
      Script{std::nullopt, {std::string(R"({"type": "welcome"})"), std::string(kBar)}});
  auto probe = Probe();
  ProbeOutcome out = Run(*probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  const WebSocketResult& r = R(out);
  EXPECT_TRUE(r.up);
  EXPECT_EQ(r.handshake_seconds, 0.004);
  ASSERT_TRUE(r.first_message_seconds);
  EXPECT_GE(*r.first_message_seconds, 0);
  EXPECT_EQ(r.last_message_timestamp, kBarTime);
  EXPECT_EQ(r.messages_received_total, 2);
  EXPECT_FALSE(r.connected_clients);  // no status_url
  EXPECT_THAT(service_.events, ElementsAre("dial ws://ws.test/ws", "read", "read", "close"));
}

TEST_F(WebSocketProbeTest, TheSubscribeMessageGoesOutBeforeReading) {
  config_.subscribe = R"({"action": "subscribe", "symbol": "USD/COP"})";
  service_.sessions.push_back(Script{std::nullopt, {std::string(kBar)}});
  auto probe = Probe();
  ASSERT_TRUE(Run(*probe).status.ok());
  EXPECT_THAT(service_.events,
              ElementsAre("dial ws://ws.test/ws", "write:" + config_.subscribe, "read", "close"));
}

TEST_F(WebSocketProbeTest, EachFailureGivesItsReasonAndUpZero) {
  struct Case {
    Script script;
    Reason reason;
    const char* says;
    bool upgraded;
  } cases[] = {
      {Script{Status(Reason::kConnect, "cannot connect to ws.test:80: Connection refused"), {}},
       Reason::kConnect, "Connection refused", false},
      {Script{Status(Reason::kHandshake,
                     "ws.test:80 refused the WebSocket upgrade: HTTP 403 Forbidden"),
              {}},
       Reason::kHandshake, "HTTP 403", false},
      {Script{std::nullopt, {}}, Reason::kTimeout,
       "no data message within read_timeout 5s of the upgrade", true},
      {Script{std::nullopt,
              {Status(Reason::kClosed, "the server closed the WebSocket (code 1011: boom)")}},
       Reason::kClosed, "code 1011: boom) before the first data message", true},
      {Script{std::nullopt, {std::string("{\"channel\": \"market_data\", \"data\": {")}},
       Reason::kParse, "message 1: not a JSON object", true},
      {Script{std::nullopt,
              {std::string(R"({"type": "hello"})"), Status(Reason::kClosed, "dropped")}},
       Reason::kClosed, "dropped before the first data message (after 1 control messages)", true},
  };
  for (const Case& c : cases) {
    service_.sessions.push_back(c.script);
    auto probe = Probe();
    ProbeOutcome out = Run(*probe);
    ASSERT_FALSE(out.status.ok()) << c.says;
    EXPECT_EQ(out.status.reason(), c.reason) << out.status.ToString();
    EXPECT_THAT(out.status.message(), HasSubstr(c.says));
    const WebSocketResult& r = R(out);
    EXPECT_FALSE(r.up) << c.says;
    EXPECT_EQ(r.handshake_seconds.has_value(), c.upgraded) << c.says;
    EXPECT_FALSE(r.first_message_seconds) << c.says;
  }
}

TEST_F(WebSocketProbeTest, ReadsShareTheReadTimeout) {
  config_.read_timeout = 3s;
  service_.sessions.push_back(
      Script{std::nullopt, {std::string(R"({"type": "hello"})"), std::string(kBar)}});
  auto probe = Probe();
  ASSERT_TRUE(Run(*probe).status.ok());
  ASSERT_EQ(service_.read_timeouts.size(), 2u);
  EXPECT_LE(service_.read_timeouts[0], 3s);
  EXPECT_LE(service_.read_timeouts[1], service_.read_timeouts[0]);
}

TEST_F(WebSocketProbeTest, AnUncleanCloseIsNotAFailure) {
  service_.sessions.push_back(
      Script{std::nullopt, {std::string(kBar)}, Status(Reason::kTimeout, "no close answer")});
  auto probe = Probe();
  ProbeOutcome out = Run(*probe);
  EXPECT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(R(out).up);
}

TEST_F(WebSocketProbeTest, ClientsComeFromTheStatusEndpointBeforeTheSessionOpens) {
  config_.status_url = "http://ws.test/status";
  http_.On("http://ws.test/status", [this](const HttpRequest&) {
    service_.events.push_back("status");
    return Result<HttpResponse>(
        HttpResponse{200, R"({"websocket_connections": {"active_connections": 7}})"});
  });
  service_.sessions.push_back(Script{std::nullopt, {std::string(kBar)}});
  auto probe = Probe();
  ProbeOutcome out = Run(*probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(R(out).connected_clients, 7);
  EXPECT_EQ(service_.events.front(), "status");
}

TEST_F(WebSocketProbeTest, OlderServicesGiveClientsAsConnections) {
  config_.status_url = "http://ws.test/health";
  http_.Answer("http://ws.test/health", 200,
               R"({"status": "healthy", "connections": 3, "redis_connected": true})");
  service_.sessions.push_back(Script{std::nullopt, {std::string(kBar)}});
  auto probe = Probe();
  ProbeOutcome out = Run(*probe);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(R(out).connected_clients, 3);
}

TEST_F(WebSocketProbeTest, AFailingStatusEndpointFailsTheRunButKeepsTheSession) {
  config_.status_url = "http://ws.test/status";
  http_.Answer("http://ws.test/status", 503, "busy");
  service_.sessions.push_back(Script{std::nullopt, {std::string(kBar)}});
  auto probe = Probe();
  ProbeOutcome out = Run(*probe);
  ASSERT_FALSE(out.status.ok());
  EXPECT_EQ(out.status.reason(), Reason::kHttpStatus);
  EXPECT_THAT(out.status.message(),
              HasSubstr("answered HTTP 503 (check probes.websocket.status_url)"));
  EXPECT_TRUE(R(out).up);
  EXPECT_FALSE(R(out).connected_clients);
}

TEST_F(WebSocketProbeTest, AStatusWithoutAClientCountIsAParseError) {
  config_.status_url = "http://ws.test/status";
  http_.Answer("http://ws.test/status", 200, R"({"status": "healthy"})");
  service_.sessions.push_back(Script{std::nullopt, {std::string(kBar)}});
  auto probe = Probe();
  ProbeOutcome out = Run(*probe);
  EXPECT_EQ(out.status.reason(), Reason::kParse);
  EXPECT_THAT(out.status.message(), HasSubstr("no client count"));
}

TEST_F(WebSocketProbeTest, TheCounterAndTheNewestDataTimeSurviveARestart) {
  constexpr const char* kOlderBar =
      R"({"data": {"time": "2026-11-24T13:00:00Z", "open": 1, "high": 1, "low": 1, "close": 1}})";
  service_.sessions.push_back(
      Script{std::nullopt, {std::string(R"({"type": "hello"})"), std::string(kBar)}});
  ASSERT_TRUE(Run(*Probe()).status.ok());
  service_.sessions.push_back(Script{std::nullopt, {std::string(kOlderBar)}});
  auto restarted = Probe();
  ProbeOutcome out = Run(*restarted);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(R(out).messages_received_total, 3);
  EXPECT_EQ(R(out).last_message_timestamp, kBarTime);  // the newest, not the latest received
  service_.sessions.push_back(Script{Status(Reason::kConnect, "refused"), {}});
  out = Run(*restarted);
  EXPECT_EQ(R(out).messages_received_total, 3);  // kept through a failed run
  EXPECT_EQ(R(out).last_message_timestamp, kBarTime);
}

}  // namespace
}  // namespace usdcop
