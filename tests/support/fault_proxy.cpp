#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace usdcop::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kBufferCap = 1 << 20;  // per direction and connection
constexpr int kPollMs = 20;

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  return a;
}

// A listening socket on 127.0.0.1:port (0: any); -1 when it cannot bind.
int Listen(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = Loopback(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  SetNonBlocking(fd);
  return fd;
}

// A connection to the upstream (loopback: connect completes or fails at once); -1 on failure.
int ConnectUpstream(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a = Loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  SetNonBlocking(fd);
  return fd;
}

std::string HttpAnswer(const std::string& type, const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

std::string Garbage(FaultProxy::Mode mode) {
  switch (mode) {
    case FaultProxy::Mode::kWrongType:
      return HttpAnswer("text/html", "<html><body><h1>Welcome to nginx!</h1></body></html>\n");
    case FaultProxy::Mode::kTruncated:
      return HttpAnswer("application/json",
                        R"({"dag_runs": [{"dag_run_id": "manual__2026", "state": "succ)");
    default: {
      std::mt19937 rng(19);
      std::string bytes(512, '\0');
      for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
      bytes[0] = '\xff';  // neither "HTTP/" nor PostgreSQL's 'S'/'N'/'R'/'E'
      return bytes;
    }
  }
}

}  // namespace

const char* FaultProxy::ModeName(Mode mode) {
  switch (mode) {
    case Mode::kPass:
      return "pass";
    case Mode::kRefused:
      return "refused";
    case Mode::kHung:
      return "hung";
    case Mode::kWrongType:
      return "wrong_content_type";
    case Mode::kTruncated:
      return "truncated_json";
    case Mode::kBinary:
      return "binary";
    case Mode::kSlow:
      return "slow";
    case Mode::kFlapping:
      return "flapping";
    case Mode::kStalled:
      return "stalled";
  }
  return "?";
}

// The loop's own state: touched by the loop's thread only.
struct FaultProxy::Loop {
  struct Conn {
    int client = -1;
    int upstream = -1;  // -1: the proxy answers itself (or never)
    std::string to_client;
    std::string to_upstream;
    bool answered = false;           // a garbage answer was queued
    bool close_after_flush = false;  // close once to_client is written
    bool held = false;               // kSlow: the first answer byte is being held
    Clock::time_point release;       // kSlow: when it may go
    bool dead = false;
  };
  int listener = -1;
  std::vector<Conn> conns;
  std::uint64_t generation = 0;
  long long phase = -1;  // kFlapping's half-cycle index

  void CloseAll() {
    for (Conn& c : conns) {
      if (c.client >= 0) ::close(c.client);
      if (c.upstream >= 0) ::close(c.upstream);
    }
    conns.clear();
  }
  ~Loop() {
    CloseAll();
    if (listener >= 0) ::close(listener);
  }
};

FaultProxy::FaultProxy(int upstream_port)
    : upstream_port_(upstream_port), loop_(std::make_unique<Loop>()) {
  loop_->listener = Listen(0);
  if (loop_->listener < 0) throw std::runtime_error("FaultProxy: cannot listen");
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(loop_->listener, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::runtime_error("FaultProxy: cannot make a pipe");
  since_ = Clock::now();
  thread_ = std::thread([this] { Run(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  char b = 1;
  (void)!::write(wake_[1], &b, 1);
  thread_.join();
  loop_.reset();
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void FaultProxy::SetMode(Mode mode, std::chrono::milliseconds delay,
                         std::chrono::milliseconds period) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    mode_ = mode;
    delay_ = delay;
    period_ = period;
    since_ = Clock::now();
    ++generation_;
  }
  char b = 1;
  (void)!::write(wake_[1], &b, 1);
}

FaultProxy::Mode FaultProxy::mode() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mode_;
}

void FaultProxy::Run() {
  Loop& L = *loop_;
  const int upstream_port = upstream_port_;
  std::vector<pollfd> fds;
  while (!stop_) {
    Mode mode;
    std::chrono::milliseconds delay, period;
    std::uint64_t generation;
    Clock::time_point since;
    {
      std::lock_guard<std::mutex> lock(mu_);
      mode = mode_;
      delay = delay_;
      period = period_;
      generation = generation_;
      since = since_;
    }
    const Clock::time_point now = Clock::now();
    if (generation != L.generation) {
      if (mode != Mode::kStalled) L.CloseAll();
      L.generation = generation;
      L.phase = -1;
    }
    // kFlapping: refused first, then pass, each for `period`.
    Mode effective = mode;
    if (mode == Mode::kFlapping) {
      long long phase = (now - since) / std::max(period, std::chrono::milliseconds(1));
      if (phase != L.phase) {
        L.CloseAll();
        L.phase = phase;
      }
      effective = phase % 2 == 0 ? Mode::kRefused : Mode::kPass;
    }
    const bool want_listen = effective != Mode::kRefused;
    if (want_listen && L.listener < 0) L.listener = Listen(port_);  // retried each round
    if (!want_listen && L.listener >= 0) {
      ::close(L.listener);
      L.listener = -1;
    }

    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({L.listener, POLLIN, 0});  // fd -1 is ignored by poll
    for (Loop::Conn& c : L.conns) {
      short cev = 0, uev = 0;
      if (effective == Mode::kStalled) {  // nothing moves; a peer's close is still seen
        fds.push_back({c.client, 0, 0});
        fds.push_back({c.upstream, 0, 0});
        continue;
      }
      if (c.to_upstream.size() < kBufferCap) cev |= POLLIN;
      const bool may_answer = !c.held || now >= c.release;
      if (!c.to_client.empty() && may_answer) cev |= POLLOUT;
      if (c.upstream >= 0) {
        if (c.to_client.size() < kBufferCap) uev |= POLLIN;
        if (!c.to_upstream.empty()) uev |= POLLOUT;
      }
      fds.push_back({c.client, cev, 0});
      fds.push_back({c.upstream, uev, 0});
    }
    ::poll(fds.data(), fds.size(), kPollMs);
    if (fds[0].revents & POLLIN) {
      char buf[64];
      while (::read(wake_[0], buf, sizeof buf) > 0) {
      }
    }
    if (L.listener >= 0 && (fds[1].revents & POLLIN)) {
      for (int i = 0; i < 64; ++i) {
        int fd = ::accept4(L.listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        ++accepted_;
        Loop::Conn c;
        c.client = fd;
        if (effective == Mode::kPass || effective == Mode::kSlow) {
          c.upstream = ConnectUpstream(upstream_port);
          if (c.upstream < 0) {
            ::close(fd);
            continue;
          }
        }
        L.conns.push_back(std::move(c));
      }
    }
    char buf[16384];
    for (std::size_t i = 0; i < L.conns.size(); ++i) {
      if (2 + 2 * i + 1 >= fds.size()) break;  // accepted this round: next round
      Loop::Conn& c = L.conns[i];
      const short cre = fds[2 + 2 * i].revents, ure = fds[2 + 2 * i + 1].revents;
      if (cre & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::recv(c.client, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          c.dead = true;
        } else if (n > 0) {
          if (c.upstream >= 0) {
            c.to_upstream.append(buf, static_cast<std::size_t>(n));
          } else if (effective != Mode::kHung && effective != Mode::kStalled && !c.answered) {
            c.to_client = Garbage(effective);
            c.answered = c.close_after_flush = true;
          }  // kHung: read and dropped
        }
      }
      if (effective == Mode::kStalled && !(cre & (POLLHUP | POLLERR))) continue;
      if (!c.dead && c.upstream >= 0 && (ure & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = ::recv(c.upstream, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          c.close_after_flush = true;
          ::close(c.upstream);
          c.upstream = -1;
        } else if (n > 0) {
          if (effective == Mode::kSlow && !c.held && c.release == Clock::time_point{}) {
            c.held = true;
            c.release = now + delay;
          }
          c.to_client.append(buf, static_cast<std::size_t>(n));
        }
      }
      if (!c.dead && c.upstream >= 0 && !c.to_upstream.empty() && (ure & POLLOUT)) {
        ssize_t n = ::send(c.upstream, c.to_upstream.data(), c.to_upstream.size(), MSG_NOSIGNAL);
        if (n > 0) c.to_upstream.erase(0, static_cast<std::size_t>(n));
        if (n < 0 && errno != EAGAIN && errno != EINTR) c.dead = true;
      }
      if (c.held && now >= c.release) c.held = false;
      if (!c.dead && !c.held && !c.to_client.empty() && (cre & POLLOUT)) {
        ssize_t n = ::send(c.client, c.to_client.data(), c.to_client.size(), MSG_NOSIGNAL);
        if (n > 0) c.to_client.erase(0, static_cast<std::size_t>(n));
        if (n < 0 && errno != EAGAIN && errno != EINTR) c.dead = true;
      }
      if (c.close_after_flush && c.to_client.empty()) c.dead = true;
    }
    for (std::size_t i = 0; i < L.conns.size();) {
      Loop::Conn& c = L.conns[i];
      if (!c.dead) {
        ++i;
        continue;
      }
      ::close(c.client);
      if (c.upstream >= 0) ::close(c.upstream);
      L.conns.erase(L.conns.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
}

}  // namespace usdcop::testing
