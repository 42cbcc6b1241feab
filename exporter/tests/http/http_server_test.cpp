// The HTTP server's limits, one at a time, in process: an HttpServer on 127.0.0.1 driven over raw
// sockets with small limits and short deadlines (its connection caps' state machine and its pool
// are tested in connection_limiter_test.cpp and bounded_pool_test.cpp). The attacks at full size,
// against the real binary, are in tests/integration/front_door_test.cpp.
#include "http/http_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/test_bcrypt.h"
#include "support/test_http_server.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

// ---- HttpServer over raw sockets ------------------------------------------------------------

// A client socket to 127.0.0.1:port.
class Raw {
 public:
  explicit Raw(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Raw() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Everything received until the server closes or `limit` passes; closed() tells which.
  std::string ReadUntilClose(std::chrono::milliseconds limit = 3000ms) {
    std::string out;
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  bool closed() const { return closed_; }
  // True when something (an answer, or the close) has arrived to read.
  bool Readable() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

HttpServerOptions Small() {
  HttpServerOptions o;
  o.port_name = "metrics";
  o.io_threads = 1;
  o.max_line = 256;
  o.max_header_bytes = 1024;
  o.max_fields = 8;
  o.head_timeout = 300ms;
  o.idle_timeout = 300ms;
  o.write_timeout = 1000ms;
  return o;
}

// The count of `reason`, once it is at least `at_least` or after 2 s: a deadline closes the socket
// just before the server counts it.
std::uint64_t Rejected(const HttpServer& server, HttpReject reason, std::uint64_t at_least = 0) {
  std::uint64_t n = 0;
  for (int i = 0; i < 200; ++i) {
    n = server.Stats().rejected[static_cast<size_t>(reason)];
    if (n >= at_least) break;
    std::this_thread::sleep_for(10ms);
  }
  return n;
}

TEST(HttpServer, FramingLimitsAnswerAndClose) {
  TestHttpServer s(nullptr, Small());
  ASSERT_GT(s.port(), 0);
  struct Case {
    std::string request;
    std::string status;
  } cases[] = {
      {"GET /" + std::string(300, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 414"},
      {"GET /" + std::string(5000, 'a'), "HTTP/1.1 414"},  // never ends: the header block's limit
      {"GET / HTTP/1.1\r\nX-Long: " + std::string(300, 'v') + "\r\n\r\n", "HTTP/1.1 431"},
      {"GET / HTTP/1.1\r\n" +
           [] {
             std::string h;
             for (int i = 0; i < 9; ++i) h += "X-" + std::to_string(i) + ": v\r\n";
             return h;
           }() +
           "\r\n",
       "HTTP/1.1 431"},
      {"GET / HTTP/1.1\r\n" +
           [] {
             std::string h;
             for (int i = 0; i < 7; ++i)
               h += "X-" + std::to_string(i) + ": " + std::string(200, 'v') + "\r\n";
             return h;
           }() +
           "\r\n",
       "HTTP/1.1 431"},
      {"BLAH\r\n\r\n", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n", "HTTP/1.1 413"},
  };
  for (const Case& c : cases) {
    Raw raw(s.port());
    ASSERT_TRUE(raw.Send(c.request));
    std::string answer = raw.ReadUntilClose();
    EXPECT_THAT(answer, StartsWith(c.status)) << c.request.substr(0, 80);
    EXPECT_TRUE(raw.closed()) << c.request.substr(0, 80);
    EXPECT_THAT(answer, HasSubstr("Connection: close"));
  }
  EXPECT_EQ(Rejected(s.server(), HttpReject::kTooLarge, 6), 6u);
  EXPECT_EQ(Rejected(s.server(), HttpReject::kMalformed, 1), 1u);
}

TEST(HttpServer, AChunkedBodyOverTheLimitIs413AndItsRestIsNeverARequest) {
  std::atomic<int> handled{0};
  TestHttpServer s(nullptr, Small(), [&](const ServerRequest& r) {
    ++handled;
    return TextResponse(r.body_too_large ? 413 : 200, r.body_too_large ? "too large" : "ok");
  });
  Raw raw(s.port());
  std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string chunk = std::string(600, 'a');
  ASSERT_TRUE(raw.Send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" + chunk +
                       "\r\n258\r\n" + chunk + "\r\n" + smuggled));
  std::string answer = raw.ReadUntilClose();
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 413"));
  EXPECT_EQ(Count(answer, "HTTP/1.1"), 1u);
  EXPECT_TRUE(raw.closed());
  EXPECT_EQ(handled, 1);

  // A declared length over the limit: not read, answered once, closed.
  Raw declared(s.port());
  ASSERT_TRUE(
      declared.Send("POST / HTTP/1.1\r\nContent-Length: " + std::to_string(2000 + smuggled.size()) +
                    "\r\n\r\n" + smuggled + std::string(2000, 'b')));
  answer = declared.ReadUntilClose();
  EXPECT_EQ(Count(answer, "HTTP/1.1"), 1u);
  EXPECT_TRUE(declared.closed());
}

TEST(HttpServer, DefaultHeadersAreOnEveryAnswerTheServersOwnRefusalsToo) {
  HttpServerOptions o = Small();
  o.default_headers = {{"X-Frame-Options", "DENY"}, {"Cache-Control", "no-store"}};
  TestHttpServer s(nullptr, o, [](const ServerRequest&) {
    ServerResponse r = TextResponse(200, "ok");
    r.headers.emplace_back("cache-control", "max-age=5");  // the answer's own wins
    return r;
  });
  for (const std::string request :
       {"BLAH\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n"}) {
    Raw raw(s.port());
    ASSERT_TRUE(raw.Send(request));
    std::string answer = raw.ReadUntilClose();
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 4")) << request;
    EXPECT_THAT(answer, HasSubstr("\r\nX-Frame-Options: DENY\r\n")) << answer;
    EXPECT_THAT(answer, HasSubstr("\r\nCache-Control: no-store\r\n")) << answer;
  }
  Raw raw(s.port());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string answer = raw.ReadUntilClose();
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(answer, HasSubstr("\r\nX-Frame-Options: DENY\r\n"));
  EXPECT_THAT(answer, HasSubstr("\r\ncache-control: max-age=5\r\n"));
  EXPECT_EQ(Count(answer, "no-store"), 0u) << answer;
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrderAndHeadHasNoBody) {
  TestHttpServer s(nullptr, Small(),
                   [](const ServerRequest& r) { return TextResponse(200, "path=" + r.path); });
  Raw raw(s.port());
  ASSERT_TRUE(raw.Send(
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\nHEAD /two HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /three HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"));
  std::string answer = raw.ReadUntilClose();
  EXPECT_EQ(Count(answer, "HTTP/1.1 200"), 3u);
  EXPECT_LT(answer.find("path=/one"), answer.find("path=/three"));
  EXPECT_EQ(Count(answer, "path=/two"), 0u);  // HEAD: the length, not the body
  EXPECT_THAT(answer, HasSubstr("Content-Length: 9\r\n"));
  EXPECT_TRUE(raw.closed());
}

TEST(HttpServer, AMemoryFileBodyIsSentWholeAndAClientLeavingMidAnswerCostsNothing) {
  const std::string big(4 * 1024 * 1024, 'x');
  auto file = MakeFileBody(big);
  ASSERT_NE(file, nullptr);
  TestHttpServer s(nullptr, Small(), [&](const ServerRequest&) {
    ServerResponse r;
    r.body = std::make_shared<const std::string>(big);
    r.file = file;
    return r;
  });
  {
    Raw raw(s.port());
    ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
    std::string answer = raw.ReadUntilClose(5000ms);
    EXPECT_THAT(answer, HasSubstr("Content-Length: 4194304\r\n"));
    EXPECT_EQ(answer.size() - answer.find("\r\n\r\n") - 4, big.size());
  }
  for (int i = 0; i < 5; ++i) {  // gone before the answer is out: sendfile meets EPIPE, not SIGPIPE
    Raw leaving(s.port());
    ASSERT_TRUE(leaving.Send("GET / HTTP/1.1\r\n\r\n"));
  }
  std::this_thread::sleep_for(200ms);
  Raw after(s.port());
  ASSERT_TRUE(after.Send("HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  EXPECT_THAT(after.ReadUntilClose(), StartsWith("HTTP/1.1 200"));
}

TEST(HttpServer, DeadlinesArePerRequestNotPerRead) {
  TestHttpServer s(nullptr, Small());
  // One byte every 100 ms: each read is quick, the head as a whole is late.
  Raw slow(s.port());
  const auto start = std::chrono::steady_clock::now();
  std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  size_t sent = 0;
  for (; sent < head.size() && slow.Send(head.substr(sent, 1)); ++sent) {
    std::this_thread::sleep_for(100ms);
    if (std::chrono::steady_clock::now() - start > 2s) break;
  }
  EXPECT_LT(sent, head.size());  // cut before the head was whole
  slow.ReadUntilClose(1000ms);
  EXPECT_TRUE(slow.closed());
  EXPECT_EQ(Rejected(s.server(), HttpReject::kHeadTimeout, 1), 1u);

  // A keep-alive connection that sends nothing more is closed after the idle timeout.
  Raw idle(s.port());
  ASSERT_TRUE(idle.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string answer = idle.ReadUntilClose(2000ms);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  EXPECT_TRUE(idle.closed());
  EXPECT_EQ(Rejected(s.server(), HttpReject::kIdle, 1), 1u);
}

TEST(HttpServer, AFullPortClosesItsOldestIdleConnectionForANewOne) {
  HttpServerOptions o = Small();
  o.max_connections = 2;
  o.head_timeout = 5000ms;
  o.idle_timeout = 5000ms;
  TestHttpServer s(nullptr, o);
  Raw first(s.port()), second(s.port());
  ASSERT_TRUE(first.connected() && second.connected());
  for (int i = 0; i < 100 && s.server().Stats().open < 2; ++i) std::this_thread::sleep_for(10ms);
  Raw third(s.port());
  ASSERT_TRUE(third.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_THAT(third.ReadUntilClose(), StartsWith("HTTP/1.1 200"));
  first.ReadUntilClose(1000ms);
  EXPECT_TRUE(first.closed());  // the oldest waiter made room
  EXPECT_EQ(Rejected(s.server(), HttpReject::kCapacity, 1), 1u);
}

TEST(HttpServer, ABlockingRouteBeyondItsQueueIsAnswered503AtOnce) {
  HttpServerOptions o = Small();
  o.workers = 1;
  o.worker_queue = 1;
  o.head_timeout = 5000ms;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> entered{0};
  Logger log(LogLevel::kError);
  WebGate gate(nullptr);
  HttpServer server(
      o, [](std::string_view, std::string_view) { return HttpRoute{.blocking = true}; },
      [&](const ServerRequest&) {
        ++entered;
        released.wait();
        return TextResponse(200, "ok");
      },
      gate, log);
  auto port = server.Start(ListenAddress{"127.0.0.1", 0});
  ASSERT_TRUE(port.ok());
  Raw running(*port), queued(*port), refused(*port);
  ASSERT_TRUE(running.Send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  for (int i = 0; i < 200 && entered == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(queued.Send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(refused.Send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  std::string busy = refused.ReadUntilClose();
  EXPECT_THAT(busy, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(busy, HasSubstr("Retry-After: 1"));
  release.set_value();
  EXPECT_THAT(running.ReadUntilClose(), StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(queued.ReadUntilClose(), StartsWith("HTTP/1.1 200"));
}

TEST(HttpServer, AnAnswerGivenLaterFromAnotherThreadIsSentAndOneNeverGivenIs500) {
  Logger log(LogLevel::kError);
  WebGate gate(nullptr);
  std::mutex mu;
  std::vector<Responder> owed;  // the answers the handler has not given yet
  HttpServer server(
      Small(), [](std::string_view, std::string_view) { return HttpRoute{}; },
      HttpServer::AsyncHandler([&](const ServerRequest& r, Responder reply) {
        std::lock_guard lock(mu);
        if (r.path == "/late") owed.push_back(std::move(reply));  // given by the test's thread
        // "/dropped": the handler forgets it (its last copy goes here)
      }),
      gate, log);
  auto port = server.Start(ListenAddress{"127.0.0.1", 0});
  ASSERT_TRUE(port.ok());
  Raw late(*port), dropped(*port);
  ASSERT_TRUE(late.Send("GET /late HTTP/1.1\r\nConnection: close\r\n\r\n"));
  for (int i = 0; i < 400; ++i) {
    std::lock_guard lock(mu);
    if (!owed.empty()) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_FALSE(late.Readable()) << "nothing is sent before the answer is given";
  std::thread([&] {
    std::lock_guard lock(mu);
    ASSERT_EQ(owed.size(), 1u);
    owed.front()(TextResponse(202, "later\n"));
    owed.front()(TextResponse(200, "twice\n"));  // a second answer is ignored
    owed.clear();
  }).join();
  const std::string answer = late.ReadUntilClose();
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 202"));
  EXPECT_THAT(answer, HasSubstr("later"));
  EXPECT_EQ(Count(answer, "HTTP/1.1"), 1u);
  ASSERT_TRUE(dropped.Send("GET /dropped HTTP/1.1\r\nConnection: close\r\n\r\n"));
  EXPECT_THAT(dropped.ReadUntilClose(), StartsWith("HTTP/1.1 500"));
}

TEST(HttpServer, StopWaitsForTheAnswersStillOwed) {
  Logger log(LogLevel::kError);
  WebGate gate(nullptr);
  std::promise<Responder> handed;
  auto server = std::make_unique<HttpServer>(
      Small(), [](std::string_view, std::string_view) { return HttpRoute{}; },
      HttpServer::AsyncHandler(
          [&](const ServerRequest&, Responder reply) { handed.set_value(std::move(reply)); }),
      gate, log);
  auto port = server->Start(ListenAddress{"127.0.0.1", 0});
  ASSERT_TRUE(port.ok());
  Raw client(*port);
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\n\r\n"));
  auto reply = std::make_optional(handed.get_future().get());
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server->Stop();
    stopped = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(stopped) << "Stop returned while an answer was still owed";
  (*reply)(TextResponse(200, "ok\n"));
  reply.reset();  // its last copy: Stop may return now
  stopper.join();
  EXPECT_TRUE(stopped);
  server.reset();
}

TEST(HttpServer, WrongPasswordsQueueForBcryptWhileCachedCredentialsPassAtOnce) {
  auto web = std::make_shared<WebConfig>();
  web->file = "web.yml";
  web->basic_auth = MakeBasicAuthUsers({{"alice", testing::MakeBcryptHash("right", 12)}});
  HttpServerOptions o = Small();
  o.auth_queue = 1;
  o.head_timeout = 20000ms;
  o.idle_timeout = 20000ms;
  o.write_timeout = 20000ms;
  TestHttpServer s(web, o);
  const std::string good =
      "GET / HTTP/1.1\r\nAuthorization: Basic YWxpY2U6cmlnaHQ=\r\n\r\n";  // alice:right
  const std::string bad =
      "GET / HTTP/1.1\r\nAuthorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n";  // alice:wrong
  {
    Raw first(s.port());  // pays bcrypt once; cached from then on
    ASSERT_TRUE(first.Send(good.substr(0, good.size() - 2) + "Connection: close\r\n\r\n"));
    ASSERT_THAT(first.ReadUntilClose(20000ms), StartsWith("HTTP/1.1 200"));
  }
  // Three wrong passwords at once: one checked, one queued, the third refused at once.
  std::vector<std::unique_ptr<Raw>> flood;
  for (int i = 0; i < 3; ++i) {
    flood.push_back(std::make_unique<Raw>(s.port()));
    ASSERT_TRUE(flood.back()->Send(bad));
  }
  Raw valid(s.port());
  ASSERT_TRUE(valid.Send(good.substr(0, good.size() - 2) + "Connection: close\r\n\r\n"));
  // Answered while the flood's bcrypt checks (cost 12: a quarter of a second each) still run.
  std::string answer = valid.ReadUntilClose(20000ms);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  // The queued wrong password is still waiting for its turn at bcrypt: order, not a timing.
  size_t answered_before = 0;
  for (auto& raw : flood) answered_before += raw->Readable();
  EXPECT_LE(answered_before, 2u);
  size_t unavailable = 0, unauthorized = 0;
  for (auto& raw : flood) {
    raw->Send(
        "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");  // ends the keep-alive after the answer
    std::string a = raw->ReadUntilClose(20000ms);
    unavailable += a.starts_with("HTTP/1.1 503");
    unauthorized += a.starts_with("HTTP/1.1 401");
    EXPECT_THAT(a, ::testing::Not(StartsWith("HTTP/1.1 200")));
  }
  EXPECT_GE(unavailable, 1u);
  EXPECT_GE(unauthorized, 1u);
}

}  // namespace
}  // namespace usdcop
