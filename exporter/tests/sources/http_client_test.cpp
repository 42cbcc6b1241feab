#include "sources/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A loopback HTTP server on a free port, for the client to meet real sockets.
class LoopbackServer {
 public:
  LoopbackServer() {
    server_.Get("/ok", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("hello " + req.get_header_value("Authorization"), "text/plain");
    });
    server_.Get("/hang", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, 5s, [this] { return released_; });
      res.set_content("late", "text/plain");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(4096, 'x'), "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~LoopbackServer() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
      cv_.notify_all();
    }
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

// A TCP socket bound to 127.0.0.1 on a port of the kernel's choosing (in *port); -1 on failure.
int BindLoopback(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

TEST(CurlHttpClient, GetsABodyAndSendsTheBearerToken) {
  LoopbackServer server;
  CurlHttpClient client;
  HttpRequest req{.url = server.Url("/ok")};
  req.bearer_token = Secret("t0k");
  auto r = client.Do(req, Deadline::After(5s));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello Bearer t0k");
}

TEST(CurlHttpClient, NonSuccessStatusIsAResponseNotAnError) {
  LoopbackServer server;
  CurlHttpClient client;
  auto r = client.Do(HttpRequest{.url = server.Url("/missing")}, Deadline::After(5s));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
}

TEST(CurlHttpClient, AHangingPeerIsATimeoutAtTheDeadline) {
  LoopbackServer server;
  CurlHttpClient client;
  auto r = client.Do(HttpRequest{.url = server.Url("/hang")}, Deadline::After(200ms));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kTimeout);
  EXPECT_THAT(r.status().message(), HasSubstr("GET /hang"));
}

TEST(CurlHttpClient, ARefusedConnectionIsConnect) {
  // A port that was free a moment ago and has no listener.
  int port = 0;
  int fd = BindLoopback(&port);
  ASSERT_GE(fd, 0);
  ::close(fd);
  CurlHttpClient client;
  auto r = client.Do(HttpRequest{.url = "http://127.0.0.1:" + std::to_string(port) + "/"},
                     Deadline::After(5s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kConnect);
}

TEST(CurlHttpClient, APeerAnsweringBytesThatAreNotHttpIsParse) {
  // A raw peer: accepts one connection, reads the request, answers binary and closes.
  int port = 0;
  int listener = BindLoopback(&port);
  ASSERT_GE(listener, 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  std::thread peer([listener] {
    timeval five{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
    char buf[4096];
    (void)::recv(fd, buf, sizeof buf, 0);
    const char binary[] = "\x00\x9f\xff\x13garbage\x01\x02\r\n\r\n";
    (void)::send(fd, binary, sizeof binary - 1, MSG_NOSIGNAL);
    ::close(fd);
  });
  CurlHttpClient client;
  auto r = client.Do(HttpRequest{.url = "http://127.0.0.1:" + std::to_string(port) + "/x"},
                     Deadline::After(5s));
  peer.join();
  ::close(listener);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kParse) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("not HTTP"));
}

TEST(CurlHttpClient, AnUnsupportedSchemeStaysConnect) {
  CurlHttpClient client;
  auto r = client.Do(HttpRequest{.url = "gopher://127.0.0.1:1/"}, Deadline::After(5s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kConnect) << r.status().ToString();
}

TEST(CurlHttpClient, ABodyOverTheCapIsRefused) {
  LoopbackServer server;
  CurlHttpClient client(1024);
  auto r = client.Do(HttpRequest{.url = server.Url("/big")}, Deadline::After(5s));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kParse);
  EXPECT_THAT(r.status().message(), HasSubstr("larger than 1024 bytes"));
}

TEST(CurlHttpClient, CancellationAbortsATransferInFlight) {
  LoopbackServer server;
  CurlHttpClient client;
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    cancel = true;
  });
  auto r = client.Do(HttpRequest{.url = server.Url("/hang")}, Deadline::After(10s, &cancel));
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kCancelled);
}

TEST(CurlHttpClient, NoTimeLeftFailsWithoutConnecting) {
  CurlHttpClient client;
  auto r = client.Do(HttpRequest{.url = "http://127.0.0.1:1/"},
                     Deadline{std::chrono::steady_clock::now() - 1s});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kTimeout);
}

TEST(UrlPathForLog, DropsHostQueryAndFragment) {
  EXPECT_EQ(UrlPathForLog("http://h:1/api/v1/health?apikey=secret#x"), "/api/v1/health");
  EXPECT_EQ(UrlPathForLog("https://h"), "/");
}

}  // namespace
}  // namespace usdcop
