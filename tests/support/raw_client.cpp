#include "support/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <utility>

namespace usdcop::testing {
namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point end) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1000 * 1000));
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// The end of a chunked body that starts at `pos` of `in` (after the trailers' empty line),
// with the data in *body; npos when `in` holds less than all of it.
size_t ChunkedEnd(const std::string& in, size_t pos, std::string* body) {
  for (;;) {
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return std::string::npos;
    const unsigned long long size = std::strtoull(in.c_str() + pos, nullptr, 16);
    pos = eol + 2;
    if (size == 0) break;
    if (in.size() < pos + size + 2) return std::string::npos;
    body->append(in, pos, size);
    pos += size + 2;
  }
  for (;;) {  // trailers, up to the empty line
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return std::string::npos;
    if (eol == pos) return eol + 2;
    pos = eol + 2;
  }
}

}  // namespace

std::string RawResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

const char* FloodEndName(FloodEnd end) {
  switch (end) {
    case FloodEnd::kAllSent:
      return "all sent";
    case FloodEnd::kAnswered:
      return "answered";
    case FloodEnd::kClosed:
      return "closed";
    case FloodEnd::kStopped:
      return "stopped";
    case FloodEnd::kTimedOut:
      return "timed out";
  }
  return "?";
}

RawConnection::RawConnection(int port, std::chrono::milliseconds limit, int receive_buffer) {
  const auto end = Clock::now() + limit;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  if (receive_buffer > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  int yes = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return;
  int error = errno;
  if (error == EINPROGRESS) {
    pollfd p{fd_, POLLOUT, 0};
    socklen_t len = sizeof error;
    if (::poll(&p, 1, MillisLeft(end)) == 1 &&
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0)
      return;
  }
  Close();
}

RawConnection::~RawConnection() { Close(); }

RawConnection::RawConnection(RawConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), eof_(other.eof_), in_(std::move(other.in_)) {}

RawConnection& RawConnection::operator=(RawConnection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    eof_ = other.eof_;
    in_ = std::move(other.in_);
  }
  return *this;
}

void RawConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConnection::Fill(std::chrono::milliseconds wait) {
  if (fd_ < 0 || eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
  bool got = false;
  char buf[64 * 1024];
  for (int i = 0; i < 16; ++i) {  // at most 1 MiB a call: a flooding server cannot hold us here
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      got = true;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
    eof_ = true;  // 0: FIN; an error (ECONNRESET): RST
    return true;
  }
  return got;
}

bool RawConnection::Send(std::string_view bytes, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (!bytes.empty()) {
    if (fd_ < 0 || eof_) return false;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, MillisLeft(end)) <= 0) return false;
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      eof_ = true;  // EPIPE, ECONNRESET
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

FloodResult RawConnection::Flood(std::string_view prefix, std::string_view piece,
                                 std::uint64_t max_bytes, std::chrono::milliseconds limit,
                                 const std::atomic<bool>* stop, bool stop_on_answer) {
  const auto end = Clock::now() + limit;
  FloodResult r;
  size_t piece_offset = 0;
  if (piece.empty()) max_bytes = std::min<std::uint64_t>(max_bytes, prefix.size());
  for (;;) {
    if (fd_ < 0 || eof_) return r.end = FloodEnd::kClosed, r;
    if (stop && stop->load()) return r.end = FloodEnd::kStopped, r;
    if (Clock::now() >= end) return r.end = FloodEnd::kTimedOut, r;
    if (r.sent >= max_bytes) return r.end = FloodEnd::kAllSent, r;
    pollfd p{fd_, POLLIN | POLLOUT, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const size_t before = in_.size();
      Fill(std::chrono::milliseconds(0));
      if (eof_) return r.end = FloodEnd::kClosed, r;
      if (stop_on_answer && in_.size() > before) return r.end = FloodEnd::kAnswered, r;
    }
    if (!(p.revents & POLLOUT)) continue;
    std::string_view next =
        r.sent < prefix.size() ? prefix.substr(r.sent) : piece.substr(piece_offset);
    next = next.substr(
        0, static_cast<size_t>(std::min<std::uint64_t>(next.size(), max_bytes - r.sent)));
    ssize_t n = ::send(fd_, next.data(), next.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      eof_ = true;
      return r.end = FloodEnd::kClosed, r;
    }
    if (r.sent >= prefix.size())
      piece_offset = (piece_offset + static_cast<size_t>(n)) % piece.size();
    r.sent += static_cast<std::uint64_t>(n);
  }
}

std::optional<RawResponse> RawConnection::Parse(bool at_eof) {
  const size_t head_end = in_.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  RawResponse r;
  size_t line_end = in_.find("\r\n");
  const std::string status_line = in_.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
  r.status = std::atoi(status_line.c_str() + 9);
  for (size_t pos = line_end + 2; pos < head_end;) {
    size_t eol = in_.find("\r\n", pos);
    std::string_view line(in_.data() + pos, eol - pos);
    if (size_t colon = line.find(':'); colon != std::string_view::npos)
      r.headers[Lower(std::string(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
    pos = eol + 2;
  }
  const size_t body_start = head_end + 4;
  size_t end = body_start;
  if (r.status / 100 == 1 || r.status == 204 || r.status == 304) {
    end = body_start;
  } else if (Lower(r.Header("transfer-encoding")).find("chunked") != std::string::npos) {
    end = ChunkedEnd(in_, body_start, &r.body);
    if (end == std::string::npos) return std::nullopt;
  } else if (const std::string length = r.Header("content-length"); !length.empty()) {
    end = body_start + std::strtoull(length.c_str(), nullptr, 10);
    if (in_.size() < end) return std::nullopt;
    r.body = in_.substr(body_start, end - body_start);
  } else {
    if (!at_eof) return std::nullopt;  // delimited by the close
    end = in_.size();
    r.body = in_.substr(body_start);
  }
  in_.erase(0, end);
  return r;
}

std::optional<RawResponse> RawConnection::ReadResponse(std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  for (;;) {
    if (auto r = Parse(eof_)) return r;
    if (eof_ || fd_ < 0 || Clock::now() >= end) return std::nullopt;
    Fill(std::chrono::milliseconds(std::min(MillisLeft(end), 100)));
  }
}

bool RawConnection::WaitClosed(std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  for (;;) {  // one look even with no time: WaitClosed(0ms) asks "closed by now?"
    if (eof_ || fd_ < 0) return eof_;
    Fill(std::chrono::milliseconds(std::min(MillisLeft(end), 100)));
    if (eof_) return true;
    if (Clock::now() >= end) return false;
  }
}

bool RaiseOpenFileLimit(std::uint64_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) return true;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) return false;
  limit.rlim_cur = needed;
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

}  // namespace usdcop::testing
