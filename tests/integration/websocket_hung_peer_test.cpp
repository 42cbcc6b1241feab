// The WebSocket probe against a peer that accepts TCP connections and never answers: /metrics
// keeps answering while the probe waits on it, and SIGTERM still stops the exporter at once.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A listening socket on 127.0.0.1 that takes connections and never writes a byte.
class HungPeer {
 public:
  HungPeer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 16) != 0)
      throw std::runtime_error("HungPeer: cannot listen");
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::fcntl(listener_, F_SETFL, O_NONBLOCK);
  }
  ~HungPeer() {
    for (int fd : accepted_) ::close(fd);
    ::close(listener_);
  }
  int port() const { return port_; }

  // Accepts what is waiting; true once a client has connected and sent its upgrade request.
  bool HoldsAnUpgradeRequest() {
    for (int fd; (fd = ::accept(listener_, nullptr, nullptr)) >= 0;) accepted_.push_back(fd);
    for (int fd : accepted_) {
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
      if (n > 0 &&
          std::string(buf, static_cast<size_t>(n)).find("Upgrade: websocket") != std::string::npos)
        return true;
    }
    return false;
  }
  // True while every held connection is still open on the client's side (no EOF).
  bool ClientsStillWaiting() {
    for (int fd : accepted_) {
      char buf[4096];
      while (true) {
        ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) return false;  // the client gave up
        if (n < 0) break;          // nothing more to read: still open
      }
    }
    return !accepted_.empty();
  }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> accepted_;
};

class WebSocketHungPeerIT : public ::testing::Test {
 protected:
  void StartAgainstTheHungPeer() {
    stack_.WriteConfig(
        "probes:\n  websocket:\n    interval: 30s\n    timeout: 25s\n    url: ws://127.0.0.1:" +
        std::to_string(peer_.port()) + "/ws\n    handshake_timeout: 20s\n");
    stack_.StartExporter();
    ASSERT_TRUE(Eventually([&] { return peer_.HoldsAnUpgradeRequest(); }, 10s))
        << stack_.exporter().Log();
  }

  HungPeer peer_;
  Stack stack_;
};

TEST_F(WebSocketHungPeerIT, MetricsAnswerWhileTheProbeWaitsOnTheHungPeer) {
  StartAgainstTheHungPeer();
  for (int i = 0; i < 20; ++i) {
    std::string text = stack_.ScrapeText();
    ASSERT_THAT(text, HasSubstr("usdcop_build_info")) << "scrape " << i;
    // The run is still in flight: no result of it yet.
    EXPECT_THAT(text, ::testing::Not(HasSubstr("usdcop_websocket_up"))) << "scrape " << i;
  }
  // Every scrape came back while the probe's connection still hung: /metrics did not wait for it.
  EXPECT_TRUE(peer_.ClientsStillWaiting());
}

TEST_F(WebSocketHungPeerIT, SigtermStopsWithinTwoSecondsWithTheHandshakeHanging) {
  StartAgainstTheHungPeer();
  stack_.exporter().Signal(SIGTERM);
  auto code = stack_.exporter().WaitExit(2000ms);
  ASSERT_TRUE(code) << "still running 2 s after SIGTERM";
  EXPECT_EQ(*code, 0);
}

TEST_F(WebSocketHungPeerIT, TheHandshakeTimeoutEndsTheRunWithReasonTimeout) {
  stack_.WriteConfig(
      "probes:\n  websocket:\n    interval: 2s\n    timeout: 1500ms\n    url: ws://127.0.0.1:" +
      std::to_string(peer_.port()) + "/ws\n    handshake_timeout: 500ms\n");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForAtLeast(
      "usdcop_probe_errors_total{probe=\"websocket\",reason=\"timeout\"}", 1));
  EXPECT_TRUE(stack_.WaitForValue("usdcop_websocket_up", 0));
  std::string text = stack_.ScrapeText();
  EXPECT_THAT(text, ::testing::Not(HasSubstr("usdcop_websocket_handshake_seconds")));
  EXPECT_THAT(stack_.exporter().Log(), HasSubstr("within handshake_timeout 500ms"));
}

}  // namespace
}  // namespace usdcop::testing
