// A raw TCP client for HTTP tests that an HTTP library will not send: over-long request lines
// and headers, bodies that lie about their length, pipelined or smuggled requests, connections
// that stay silent or trickle a byte at a time, floods of hundreds of MiB. To 127.0.0.1 only;
// every call is bounded in time. Responses are parsed from the bytes as they come (Content-Length,
// chunked, or until the close), so a test sees exactly how many answers the server sent.
// A RawConnection is not thread-safe; use one per thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace usdcop::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last of repeated ones
  std::string body;                            // de-chunked

  // The header's value, "" when absent; `name` in lower case.
  std::string Header(const std::string& name) const;
};

// How a Flood ended.
enum class FloodEnd {
  kAllSent,   // every byte went out: the server neither answered nor closed
  kAnswered,  // the server sent something (the answer is in the connection, for ReadResponse)
  kClosed,    // the server closed or reset the connection
  kStopped,   // the caller's stop flag was set
  kTimedOut,  // `limit` passed first
};
const char* FloodEndName(FloodEnd end);

struct FloodResult {
  FloodEnd end = FloodEnd::kTimedOut;
  std::uint64_t sent = 0;  // bytes written, prefix included
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port within `limit`. `receive_buffer` > 0 sets SO_RCVBUF first (a
  // client that reads slowly). connected() says whether it worked.
  explicit RawConnection(int port,
                         std::chrono::milliseconds limit = std::chrono::milliseconds(3000),
                         int receive_buffer = 0);
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&& other) noexcept;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes all of `bytes` within `limit`: false when the server closed first or time ran out.
  bool Send(std::string_view bytes,
            std::chrono::milliseconds limit = std::chrono::milliseconds(3000));
  // Writes `prefix`, then `piece` over and over, up to `max_bytes` in all, and stops as soon as
  // the server answers or closes, `*stop` is set, or `limit` passes. With `stop_on_answer` false
  // it goes on past answers (keeping them for ReadResponse) until the server closes.
  FloodResult Flood(std::string_view prefix, std::string_view piece, std::uint64_t max_bytes,
                    std::chrono::milliseconds limit, const std::atomic<bool>* stop = nullptr,
                    bool stop_on_answer = true);
  // The next response, read within `limit`; nullopt when none came whole (closed, or too slow).
  std::optional<RawResponse> ReadResponse(
      std::chrono::milliseconds limit = std::chrono::milliseconds(3000));
  // Waits up to `limit` for the server to close or reset the connection, keeping what it sends
  // meanwhile (for ReadResponse or unread()). True once closed.
  bool WaitClosed(std::chrono::milliseconds limit);
  // Received and not yet consumed by ReadResponse.
  const std::string& unread() const { return in_; }
  // Closes our end now.
  void Close();

 private:
  // Reads what is there, waiting up to `wait` for something; false when nothing came.
  bool Fill(std::chrono::milliseconds wait);
  // One response parsed from the front of in_ and consumed; nullopt when in_ holds less than
  // one (or, with `at_eof`, a response delimited by the close that has not ended).
  std::optional<RawResponse> Parse(bool at_eof);

  int fd_ = -1;
  bool eof_ = false;  // the server closed (FIN or RST)
  std::string in_;
};

// Raises this process's soft RLIMIT_NOFILE to at least `needed` (within the hard limit); false
// when the hard limit is lower. For tests that hold thousands of sockets.
bool RaiseOpenFileLimit(std::uint64_t needed);

}  // namespace usdcop::testing
