#include "http/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>

#include <algorithm>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/mutex.h"
#include "http/bounded_pool.h"
#include "http/connection_limiter.h"
#include "http/request_head.h"

namespace usdcop {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const char* HttpRejectName(HttpReject reason) {
  switch (reason) {
    case HttpReject::kCapacity:
      return "capacity";
    case HttpReject::kPerAddress:
      return "per_address";
    case HttpReject::kHeadTimeout:
      return "head_timeout";
    case HttpReject::kIdle:
      return "idle";
    case HttpReject::kTooLarge:
      return "too_large";
    case HttpReject::kTls:
      return "tls";
    case HttpReject::kMalformed:
      return "malformed";
    case HttpReject::kBodyTimeout:
      return "body_timeout";
    case HttpReject::kWriteTimeout:
      return "write_timeout";
  }
  return "unknown";
}

std::string ServerRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (beast::iequals(beast::string_view(key.data(), key.size()),
                       beast::string_view(name.data(), name.size())))
      return value;
  return "";
}

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers,
               std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [name](const auto& h) {
    return beast::iequals(beast::string_view(h.first.data(), h.first.size()),
                          beast::string_view(name.data(), name.size()));
  });
}

ServerResponse TextResponse(int status, std::string text) {
  ServerResponse r;
  r.status = status;
  r.body = std::make_shared<const std::string>(std::move(text));
  return r;
}

std::shared_ptr<const FileBody> MakeFileBody(std::string_view bytes) {
  auto file = std::make_shared<FileBody>();
  file->fd.Reset(::memfd_create("usdcop-body", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (file->fd.get() < 0) return nullptr;
  for (size_t off = 0; off < bytes.size();) {
    ssize_t n = ::write(file->fd.get(), bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;
    off += static_cast<size_t>(n);
  }
  // Sealed: nothing can change or truncate it while connections send it.
  ::fcntl(file->fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  file->size = bytes.size();
  return file;
}

namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kIdleBufferKept = 4 * 1024;
constexpr size_t kFirstRead = 1024;
// Bodies from this size on go by sendfile; a smaller one is cheaper copied into the one writev
// that carries the head than sent by a second system call.
constexpr size_t kSendfileFrom = 64 * 1024;
// How long a closing connection's unread input is drained, so that the kernel does not answer
// it with a reset that could destroy the answer before the client reads it (nginx's lingering
// close), and how much of it at most.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 4 * 1024 * 1024;

// One io_context per I/O thread, each connection on one of them: a connection's handlers run on
// one thread, without strands or type-erased executors (both showed in the profile).
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using PlainStream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<PlainStream>;

}  // namespace

// What the acceptor and the sessions share. It outlives them: Stop joins the I/O threads and the
// pools, and the sessions still queued end when `iocs`, declared after what they touch, are
// destroyed.
class HttpServer::Impl {
 public:
  Impl(HttpServerOptions opts, Router routes, AsyncHandler on_request, WebGate& web_gate,
       Logger& logger)
      : options(std::move(opts)),
        router(std::move(routes)),
        handler(std::move(on_request)),
        gate(web_gate),
        log(logger),
        limiter(options.max_connections, options.max_connections_per_address),
        auth_pool(1, options.auth_queue),
        iocs(MakeContexts(options.io_threads)),
        acceptor(*iocs.front()) {
    if (options.workers > 0)
      workers = std::make_unique<BoundedPool>(options.workers, options.worker_queue);
  }

  // A session's side of the server, for eviction.
  struct Closable {
    virtual ~Closable() = default;
    virtual void Evict() = 0;
  };

  void Count(HttpReject reason) {
    rejected[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
    // One line a minute per reason, with how many since the last line.
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto& last = last_logged[static_cast<size_t>(reason)];
    auto& since = unlogged[static_cast<size_t>(reason)];
    since.fetch_add(1, std::memory_order_relaxed);
    auto prev = last.load(std::memory_order_relaxed);
    const auto minute =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::minutes(1))
            .count();
    if ((prev == 0 || now - prev >= minute) && last.compare_exchange_strong(prev, now))
      log.Warn("an HTTP connection limit was hit",
               {{"port", options.port_name},
                {"reason", HttpRejectName(reason)},
                {"connections_since_last_line", std::to_string(since.exchange(0))}});
  }

  void Register(std::uint64_t id, std::weak_ptr<Closable> session) {
    MutexLock lock(sessions_mu);
    sessions.emplace(id, std::move(session));
  }
  void Unregister(std::uint64_t id) {
    limiter.Closed(id);
    MutexLock lock(sessions_mu);
    sessions.erase(id);
  }
  void Evict(std::uint64_t id) {
    std::shared_ptr<Closable> session;
    {
      MutexLock lock(sessions_mu);
      if (auto it = sessions.find(id); it != sessions.end()) session = it->second.lock();
    }
    if (session) session->Evict();
  }

  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(size_t n) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (size_t i = 0; i < std::max<size_t>(n, 1); ++i)
      out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }
  void Accept();
  void OnAccept(beast::error_code ec, Socket socket);

  // An answer owed: counted from the handler's call until its Responder is gone.
  struct Owed {
    explicit Owed(Impl* owner) : server(owner) { server->owed.fetch_add(1); }
    ~Owed() {
      if (server->owed.fetch_sub(1) != 1) return;
      MutexLock lock(
          server->owed_mu);  // taken, so a Stop between its check and its wait hears this
      server->owed_cv.NotifyAll();
    }
    Impl* server;
  };

  const HttpServerOptions options;
  const Router router;
  const AsyncHandler handler;
  WebGate& gate;
  Logger& log;
  ConnectionLimiter limiter;
  BoundedPool auth_pool;
  std::unique_ptr<BoundedPool> workers;
  std::array<std::atomic<std::uint64_t>, kAllHttpRejects.size()> rejected{};
  std::array<std::atomic<std::int64_t>, kAllHttpRejects.size()> last_logged{};
  std::array<std::atomic<std::uint64_t>, kAllHttpRejects.size()> unlogged{};
  std::atomic<std::uint64_t> next_id{1};
  Mutex sessions_mu;
  std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> sessions GUARDED_BY(sessions_mu);
  Mutex owed_mu;
  CondVar owed_cv;
  std::atomic<size_t> owed{0};
  std::vector<std::unique_ptr<asio::io_context>> iocs;  // one per I/O thread
  std::atomic<size_t> next_ioc{0};
  std::vector<asio::executor_work_guard<Executor>> keep_running;
  std::optional<asio::ssl::context> ssl;
  tcp::acceptor acceptor;
  std::optional<asio::steady_timer> accept_backoff;
};

namespace {

// One connection: reads requests one after another (a pipelined one waits in the buffer),
// answers each, and ends when the client closes, a limit bites or the server evicts it.
template <class Stream>
class Session : public HttpServer::Impl::Closable,
                public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(HttpServer::Impl* server, std::uint64_t id, std::string remote, Args&&... stream_args)
      : server_(server),
        id_(id),
        remote_(std::move(remote)),
        stream_(std::forward<Args>(stream_args)...),
        buffer_(server_->options.max_header_bytes + kReadChunk) {}
  ~Session() override { server_->Unregister(id_); }

  void Start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      Lowest().expires_after(server_->options.head_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Fail(ec, HttpReject::kTls);
                                self->ReadHead();
                              });
    } else {
      ReadHead();
    }
  }

  Executor executor() { return stream_.get_executor(); }

  // Called from the acceptor's thread: closes the socket on the session's own thread.
  void Evict() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->evicted_ = true;
      beast::error_code ignored;
      self->Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->Lowest().close();
    });
  }

 private:
  PlainStream& Lowest() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& options() const { return server_->options; }

  // The connection ended, timed out or was closed by us: nothing to answer (not a bad message).
  static bool Ended(beast::error_code ec) {
    return ec == http::error::end_of_stream || ec == http::error::partial_message ||
           ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == beast::error::timeout || ec == asio::error::operation_aborted;
  }

  // A request ends the connection without an answer: count it when a limit did it.
  void Fail(beast::error_code ec, HttpReject timeout_reason) {
    if (evicted_ || ec == asio::error::operation_aborted) return;
    if (ec == beast::error::timeout || timeout_reason == HttpReject::kTls)
      server_->Count(timeout_reason);
    beast::error_code ignored;
    Lowest().socket().close(ignored);
  }

  void ReadHead() {
    server_->limiter.Waiting(id_);
    head_.emplace();
    LimitHead(*head_, options().max_header_bytes);
    body_.reset();
    request_ = {};
    head_request_ = false;
    if (buffer_.size() == 0 && requests_ > 0) {
      // An idle connection keeps no read buffer: thousands of them cost little memory.
      if (buffer_.capacity() > kIdleBufferKept) buffer_.shrink_to_fit();
      // Keep-alive: idle until the next request's first byte, then the head's own deadline.
      Lowest().expires_after(options().idle_timeout);
      // A small first read: most requests fit, and an idle connection holds no more than this.
      stream_.async_read_some(buffer_.prepare(kFirstRead),
                              [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                                if (ec) return self->Fail(ec, HttpReject::kIdle);
                                self->buffer_.commit(n);
                                self->ReadHeadRest();
                              });
      return;
    }
    ReadHeadRest();
  }

  void ReadHeadRest() {
    // A new connection's head is due within head_timeout of the accept (or of the handshake).
    Lowest().expires_after(options().head_timeout);
    http::async_read_header(
        stream_, buffer_, *head_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHead(ec); });
  }

  void OnHead(beast::error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      const auto data = buffer_.data();
      return Refuse(OverLimitStatus({static_cast<const char*>(data.data()), data.size()}),
                    HttpReject::kTooLarge);
    }
    if (Ended(ec)) return Fail(ec, HttpReject::kHeadTimeout);
    if (ec) return Refuse(400, HttpReject::kMalformed);
    server_->limiter.Busy(id_);
    ++requests_;
    const Head head = CheckHead(*head_, options(), request_);
    if (head.refuse != 0) return Refuse(head.refuse, HttpReject::kTooLarge);
    head_request_ = head.head_request;
    request_.remote_addr = remote_;
    keep_alive_ = head.keep_alive;
    route_ = server_->router(request_.method, request_.path);
    has_body_ = head.has_body;
    if (head.declared > route_.body_limit) {
      server_->Count(HttpReject::kTooLarge);
      request_.body_too_large = true;
      return Dispatch(/*close=*/true);  // the body is not read: the answer closes the connection
    }
    Authenticate();
  }

  // The basic-auth step: a cached success at once, bcrypt on the server's auth pool.
  void Authenticate() {
    const std::string authorization = request_.Header("Authorization");
    WebGate::AuthCheck check = server_->gate.CheckCached(authorization);
    if (check.kind == WebGate::AuthCheck::kUser) return Authenticated(check.user);
    if (check.kind == WebGate::AuthCheck::kNoCredentials) return Authenticated(std::nullopt);
    auto self = this->shared_from_this();
    const bool queued = server_->auth_pool.TrySubmit([self, authorization] {
      std::optional<std::string> user = self->server_->gate.Verify(authorization);
      asio::post(self->stream_.get_executor(),
                 [self, user = std::move(user)] { self->Authenticated(user); });
    });
    if (!queued) {
      ServerResponse busy =
          TextResponse(503, "Service Unavailable: too many password checks at once; retry.\n");
      busy.headers.emplace_back("Retry-After", "1");
      Write(std::move(busy), has_body_);
    }
  }

  void Authenticated(const std::optional<std::string>& user) {
    if (user) request_.basic_user = *user;
    if (route_.require_basic_auth && !user && server_->gate.RequiresBasicAuth()) {
      ServerResponse denied = TextResponse(401, "Unauthorized\n");
      denied.headers.emplace_back("WWW-Authenticate", "Basic");
      return Write(std::move(denied), has_body_);
    }
    if (!has_body_) return Dispatch(false);
    body_.emplace(std::move(*head_));
    body_->body_limit(route_.body_limit);
    Lowest().expires_after(options().head_timeout);
    const std::string expect = request_.Header("Expect");
    if (beast::iequals(beast::string_view(expect.data(), expect.size()), "100-continue")) {
      // curl waits a second for this before it sends a body over 1 KiB.
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = this->shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->Fail(ec, HttpReject::kWriteTimeout);
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(
        stream_, buffer_, *body_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      server_->Count(HttpReject::kTooLarge);
      request_.body_too_large = true;
      return Dispatch(true);
    }
    if (Ended(ec)) return Fail(ec, HttpReject::kBodyTimeout);
    if (ec) return Refuse(400, HttpReject::kMalformed);
    request_.body = std::move(body_->get().body());
    Dispatch(false);
  }

  // Gives the handler's answer; a body over the limit is refused whatever it says (it may shape
  // the answer, as the control API's JSON does, or refuse for another reason first).
  void Answer(ServerResponse response, bool close) {
    if (request_.body_too_large && response.status < 400)
      response = TextResponse(413, "Payload Too Large\n");
    Write(std::move(response), close);
  }

  // Calls the handler (on a worker for blocking routes); its answer is written when it is given.
  void Dispatch(bool close) {
    Lowest().expires_never();
    auto self = this->shared_from_this();
    Responder reply([self, close, owed = std::make_shared<HttpServer::Impl::Owed>(server_)](
                        ServerResponse response) {
      asio::dispatch(self->stream_.get_executor(),
                     [self, close, response = std::move(response)]() mutable {
                       self->Answer(std::move(response), close);
                     });
    });
    if (!route_.blocking || !server_->workers) return server_->handler(request_, std::move(reply));
    const bool queued = server_->workers->TrySubmit(
        [self, reply] { self->server_->handler(self->request_, reply); });
    if (!queued) {
      ServerResponse busy =
          TextResponse(503, "Service Unavailable: too many requests at once; retry.\n");
      busy.headers.emplace_back("Retry-After", "1");
      reply(std::move(busy));
    }
  }

  // An answer the server gives itself to a broken head: the connection closes after it.
  void Refuse(int status, HttpReject reason) {
    server_->Count(reason);
    server_->limiter.Busy(id_);
    const char* text = status == 414   ? "URI Too Long\n"
                       : status == 431 ? "Request Header Fields Too Large\n"
                       : status == 413 ? "Payload Too Large\n"
                                       : "Bad Request\n";
    keep_alive_ = false;
    head_request_ = false;
    Write(TextResponse(status, text), true);
  }

  void Write(ServerResponse r, bool close) {
    close = close || r.close || !keep_alive_;
    closing_ = close;
    body_keep_ = r.body ? std::move(r.body) : std::make_shared<const std::string>();
    const bool by_file = std::is_same_v<Stream, PlainStream> && !head_request_ && r.file &&
                         r.file->size == body_keep_->size() && r.file->size >= kSendfileFrom;
    // The head in one string: one allocation, and one writev with the body (Beast's serializer
    // cost more than the rest of a scrape).
    head_out_.clear();
    head_out_ += "HTTP/1.1 ";
    head_out_ += std::to_string(r.status);
    head_out_ += ' ';
    const auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
    head_out_.append(reason.data(), reason.size());
    AppendField("Content-Type", r.content_type);
    AppendField("Content-Length", std::to_string(body_keep_->size()));
    const auto web = server_->gate.config();
    if (web)
      for (const auto& [name, value] : web->headers) AppendField(name, value);
    for (const auto& [name, value] : r.headers) AppendField(name, value);
    for (const auto& [name, value] : options().default_headers)
      if (!(web && HasHeader(web->headers, name)) && !HasHeader(r.headers, name))
        AppendField(name, value);
    if (close) AppendField("Connection", "close");
    head_out_ += "\r\n\r\n";
    Lowest().expires_after(options().write_timeout);
    if (by_file) {
      file_ = std::move(r.file);
      file_offset_ = 0;
      asio::async_write(stream_, asio::buffer(head_out_),
                        [self = this->shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->OnWrite(ec);
                          self->write_deadline_ =
                              std::chrono::steady_clock::now() + self->options().write_timeout;
                          self->SendFile();
                        });
      return;
    }
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head_out_), asio::buffer(*body_keep_)};
    if (head_request_) buffers[1] = asio::const_buffer();  // the length, not the body
    asio::async_write(
        stream_, buffers,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void AppendField(std::string_view name, std::string_view value) {
    // Never a line break from a handler into the head (the web config's values are checked at
    // load).
    if (name.find_first_of("\r\n:") != std::string_view::npos ||
        value.find_first_of("\r\n") != std::string_view::npos)
      return;
    head_out_ += "\r\n";
    head_out_ += name;
    head_out_ += ": ";
    head_out_ += value;
  }

  // Sends the rest of file_ with sendfile(2), waiting for the socket to take more when it is full,
  // until the write deadline.
  void SendFile() {
    Socket& socket = Lowest().socket();
    beast::error_code ec;
    if (!socket.native_non_blocking()) socket.native_non_blocking(true, ec);
    while (!ec && file_offset_ < static_cast<off_t>(file_->size)) {
      const ssize_t n = ::sendfile(socket.native_handle(), file_->fd.get(), &file_offset_,
                                   file_->size - static_cast<size_t>(file_offset_));
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (std::chrono::steady_clock::now() >= write_deadline_) {
          ec = beast::error::timeout;
          break;
        }
        // Wait for room, with the deadline: a client that stops reading loses the connection.
        socket.async_wait(tcp::socket::wait_write,
                          [self = this->shared_from_this()](beast::error_code wait_ec) {
                            if (wait_ec) return self->OnWrite(wait_ec);
                            self->SendFile();
                          });
        ArmWriteTimer();
        return;
      }
      ec = n == 0 ? beast::error_code(asio::error::eof)
                  : beast::error_code(errno, beast::system_category());
    }
    OnWrite(ec);
  }

  // The tcp_stream's deadline covers only its own operations: the wait for room above gets a
  // timer of its own, which closes the socket when the deadline passes.
  void ArmWriteTimer() {
    if (!write_timer_) write_timer_.emplace(stream_.get_executor());
    write_timer_->expires_at(write_deadline_);
    write_timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the wait ended first
      if (std::chrono::steady_clock::now() < self->write_deadline_) return;
      self->write_timed_out_ = true;
      beast::error_code ignored;
      self->Lowest().socket().cancel(ignored);
    });
  }

  void OnWrite(beast::error_code ec) {
    if (write_timer_) write_timer_->cancel();
    if (write_timed_out_ && ec == asio::error::operation_aborted) ec = beast::error::timeout;
    write_timed_out_ = false;
    file_.reset();
    body_keep_.reset();
    if (ec) return Fail(ec, HttpReject::kWriteTimeout);
    if (closing_) return Close();
    ReadHead();
  }

  // Sends what is left, then drains the client's unread input for a while (bounded in time and
  // bytes) before closing, so that the answer is not lost to a reset.
  void Close() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      Lowest().expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        self->Lowest().socket().close(ignored);
      });
    } else {
      beast::error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      Lowest().expires_after(kLingerTime);
      Drain();
    }
  }

  void Drain() {
    buffer_.clear();
    Lowest().async_read_some(buffer_.prepare(kReadChunk),
                             [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ > kLingerBytes) {
                                 beast::error_code ignored;
                                 self->Lowest().socket().close(ignored);
                                 return;
                               }
                               self->Drain();
                             });
  }

  HttpServer::Impl* const server_;
  const std::uint64_t id_;
  const std::string remote_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> head_;
  std::optional<http::request_parser<http::string_body>> body_;
  ServerRequest request_;
  HttpRoute route_;
  std::string head_out_;                          // the answer's head while it is written
  std::shared_ptr<const std::string> body_keep_;  // the answer's body while it is written
  std::shared_ptr<const FileBody> file_;          // the answer's body while sendfile sends it
  off_t file_offset_ = 0;
  std::chrono::steady_clock::time_point write_deadline_;
  std::optional<asio::steady_timer> write_timer_;
  bool write_timed_out_ = false;
  std::uint64_t requests_ = 0;
  size_t drained_ = 0;
  bool keep_alive_ = true;
  bool has_body_ = false;
  bool head_request_ = false;
  bool closing_ = false;
  bool evicted_ = false;
};

}  // namespace

void HttpServer::Impl::Accept() {
  asio::io_context& ioc = *iocs[next_ioc.fetch_add(1, std::memory_order_relaxed) % iocs.size()];
  acceptor.async_accept(
      ioc, [this](beast::error_code ec, Socket socket) { OnAccept(ec, std::move(socket)); });
}

void HttpServer::Impl::OnAccept(beast::error_code ec, Socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of file descriptors, most likely: the connection waits in the backlog; try again soon
    // instead of spinning.
    log.Error("cannot accept a connection", {{"port", options.port_name}, {"err", ec.message()}});
    accept_backoff.emplace(*iocs.front(), std::chrono::milliseconds(100));
    accept_backoff->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) Accept();
    });
    return;
  }
  beast::error_code endpoint_ec;
  const auto endpoint = socket.remote_endpoint(endpoint_ec);
  if (endpoint_ec) return Accept();  // gone already
  std::string remote = endpoint.address().to_string();
  socket.set_option(tcp::no_delay(true), endpoint_ec);
  const std::uint64_t id = next_id.fetch_add(1);
  ConnectionLimiter::Admission admission = limiter.Admit(id, remote);
  for (const auto& [victim, reason] : admission.evicted) {
    Count(reason == ConnectionLimiter::kPerAddress ? HttpReject::kPerAddress
                                                   : HttpReject::kCapacity);
    Evict(victim);
  }
  if (!admission.admitted) {
    Count(admission.refused_reason == ConnectionLimiter::kPerAddress ? HttpReject::kPerAddress
                                                                     : HttpReject::kCapacity);
    beast::error_code ignored;
    socket.close(ignored);
    return Accept();
  }
  if (ssl) {
    auto session =
        std::make_shared<Session<TlsStream>>(this, id, std::move(remote), std::move(socket), *ssl);
    Register(id, session);
    asio::post(session->executor(), [session] { session->Start(); });  // on the connection's thread
  } else {
    auto session =
        std::make_shared<Session<PlainStream>>(this, id, std::move(remote), std::move(socket));
    Register(id, session);
    asio::post(session->executor(), [session] { session->Start(); });
  }
  Accept();
}

struct Responder::State {
  explicit State(std::function<void(ServerResponse)> send_fn) : send(std::move(send_fn)) {}
  ~State() {
    if (!answered.exchange(true))
      send(TextResponse(
          500,
          "Internal Server Error: the request was dropped unanswered; the log may say why.\n"));
  }
  std::function<void(ServerResponse)> send;
  std::atomic<bool> answered{false};
};

Responder::Responder(std::function<void(ServerResponse)> send)
    : state_(std::make_shared<State>(std::move(send))) {}

void Responder::operator()(ServerResponse response) const {
  if (!state_->answered.exchange(true)) state_->send(std::move(response));
}

HttpServer::HttpServer(HttpServerOptions options, Router router, AsyncHandler handler,
                       WebGate& gate, Logger& log)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), std::move(handler), gate,
                                   log)) {}

HttpServer::HttpServer(HttpServerOptions options, Router router, Handler handler, WebGate& gate,
                       Logger& log)
    : HttpServer(std::move(options), std::move(router),
                 AsyncHandler([handler = std::move(handler)](
                                  const ServerRequest& r, Responder reply) { reply(handler(r)); }),
                 gate, log) {}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Start(const ListenAddress& address) {
  Impl& s = *impl_;
  // sendfile(2) has no MSG_NOSIGNAL: a client that closes mid-answer must cost an EPIPE, not the
  // process (the default action of SIGPIPE is to end it).
  ::signal(SIGPIPE, SIG_IGN);
  const std::string where = address.host + ":" + std::to_string(address.port);
  if (TlsContextSelector* selector = s.gate.tls()) {
    s.ssl.emplace(asio::ssl::context::tls_server);
    selector->Install(*s.ssl->native_handle());
  }
  beast::error_code ec;
  tcp::resolver resolver(*s.iocs.front());
  auto endpoints = resolver.resolve(address.host, std::to_string(address.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty())
    return Status(Reason::kConnect,
                  "cannot listen on " + where + ": " + (ec ? ec.message() : "no such address"));
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status(Reason::kConnect, "cannot listen on " + where + " (" + ec.message() +
                                        ": in use, or not an address of this host)");
  const int port = s.acceptor.local_endpoint().port();
  s.Accept();
  // Each context keeps running while it has no connection (run() would return at once).
  for (auto& ioc : s.iocs) s.keep_running.push_back(asio::make_work_guard(*ioc));
  const std::string name =
      "http-" + s.options.port_name.substr(0, 10);  // a thread's name: 15 bytes at most
  for (auto& ioc : s.iocs)
    threads_.emplace_back([&ioc, name] {
      pthread_setname_np(pthread_self(), name.c_str());
      ioc->run();
    });
  return port;
}

void HttpServer::Stop() {
  if (!impl_) return;
  Impl& s = *impl_;
  s.keep_running.clear();
  for (auto& ioc : s.iocs) ioc->stop();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  beast::error_code ignored;
  s.acceptor.close(ignored);
  s.auth_pool.Stop();
  if (s.workers) s.workers->Stop();
  // The answers still owed are posted to stopped contexts (and dropped with them) once given.
  MutexLock lock(s.owed_mu);
  auto warn_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (s.owed.load() != 0) {
    if (s.owed_cv.WaitUntil(s.owed_mu, warn_at) == std::cv_status::no_timeout || s.owed.load() == 0)
      continue;
    s.log.Warn("waiting for the answers still owed before the server stops",
               {{"port", s.options.port_name}, {"answers", std::to_string(s.owed.load())}});
    warn_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  }
}

HttpServerStats HttpServer::Stats() const {
  HttpServerStats stats;
  stats.port = impl_->options.port_name;
  stats.open = impl_->limiter.open();
  for (size_t i = 0; i < stats.rejected.size(); ++i)
    stats.rejected[i] = impl_->rejected[i].load(std::memory_order_relaxed);
  return stats;
}

}  // namespace usdcop
