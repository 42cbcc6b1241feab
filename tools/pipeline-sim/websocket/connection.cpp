#include "websocket/connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <type_traits>

#include "shared/log.h"

namespace usdcop::sim {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using net::awaitable;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;

constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr auto kCloseTimeout = std::chrono::seconds(10);
constexpr auto kIdleTimeout = std::chrono::seconds(300);
constexpr size_t kMaxQueued = 256;
constexpr auto kWriteStall = std::chrono::seconds(30);
constexpr uint64_t kMaxRequestBody = 64 * 1024;
constexpr size_t kMaxClientMessage = 64 * 1024;
constexpr const char* kServerName = "pipeline-sim";
constexpr const char* kGarbage = R"({"channel": "market_data", "data": {)";
constexpr const char* kRefused = "websocket upgrade refused (pipeline-sim fault refuse_upgrade)\n";

// Completion token: errors into `ec`, never thrown.
auto Into(beast::error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

template <class Stream>
class Connection : public WsConnection, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  template <class... Args>
  explicit Connection(WsHub& hub, Args&&... args)
      : hub_(hub), ws_(std::forward<Args>(args)...), wake_(ws_.get_executor()) {}

  // `self` keeps the connection alive while it runs.
  awaitable<void> Run(std::shared_ptr<Connection> self);
  void Deliver(const WsMessage& message) override;
  void Release() override;
  void Stop() override;
  net::any_io_executor executor() { return ws_.get_executor(); }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  awaitable<bool> TlsHandshake();
  awaitable<void> ServeRequests();
  awaitable<std::optional<Request>> ReadRequest();
  awaitable<bool> Reply(const Request& req, http::status status, std::string body,
                        const char* content_type, bool keep_alive);
  awaitable<void> Upgrade(const Request& req);
  awaitable<void> Session(const WsFaultSetting& fault);
  // The market data, until the session ends or, with `drop_after`, that many were sent.
  awaitable<void> StreamBars(std::optional<int64_t> drop_after);
  awaitable<void> ReadLoop(std::shared_ptr<Connection> self);
  // Waits until released, stopped, the client goes away, or `until`; true when released or
  // timed out.
  awaitable<bool> Hold(std::optional<Clock::time_point> until);
  awaitable<void> WaitForWork();
  awaitable<bool> Write(const std::string& text);
  awaitable<void> Close(websocket::close_reason reason);
  void Queue(const WsMessage& message);
  void EndPending();
  // Closes the TCP connection at once, without a close frame.
  void CloseSocket();
  void Drop();  // the drop fault
  bool ended() const { return stopping_ || reader_done_ || socket_closed_; }

  WsHub& hub_;
  websocket::stream<Stream> ws_;
  net::steady_timer wake_;  // cancelled to wake the session's writer
  beast::flat_buffer buffer_;
  std::string peer_;
  std::deque<WsMessage> queue_;
  std::optional<Time> last_queued_;
  std::optional<Clock::time_point> write_started_;
  int64_t sent_ = 0;
  bool pending_ = false;  // counted in handshakes_pending
  bool upgraded_ = false;
  bool streaming_ = false;
  bool released_ = false;
  bool stopping_ = false;
  bool reader_done_ = false;
  bool socket_closed_ = false;
};

template <class Stream>
awaitable<void> Connection<Stream>::Run(std::shared_ptr<Connection> self) {
  beast::error_code ec;
  auto peer = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  peer_ = ec ? "?" : peer.address().to_string() + ":" + std::to_string(peer.port());
  pending_ = true;
  ++hub_.counters().handshakes_pending;
  hub_.Add(self);
  if (co_await TlsHandshake()) co_await ServeRequests();
  EndPending();
  CloseSocket();
  hub_.Remove(this);
}

template <class Stream>
awaitable<bool> Connection<Stream>::TlsHandshake() {
  if constexpr (kTls) {
    beast::get_lowest_layer(ws_).expires_after(kRequestTimeout);
    beast::error_code ec;
    co_await ws_.next_layer().async_handshake(net::ssl::stream_base::server, Into(ec));
    if (ec) Log("websocket: " + peer_ + ": TLS handshake failed: " + ec.message());
    co_return !ec;
  }
  co_return true;
}

template <class Stream>
awaitable<void> Connection<Stream>::ServeRequests() {
  while (!stopping_) {
    auto req = co_await ReadRequest();
    if (!req) co_return;
    std::string_view target = View(req->target());
    if (websocket::is_upgrade(*req) && target.substr(0, target.find('?')) == "/ws") {
      co_await Upgrade(*req);
      co_return;
    }
    WsHttpAnswer answer =
        WsHttpRoute(View(req->method_string()), target, hub_.writer(), hub_.counts());
    bool keep_alive = req->keep_alive() && !websocket::is_upgrade(*req);
    auto status = static_cast<http::status>(answer.status);
    if (!co_await Reply(*req, status, answer.body.dump(), "application/json", keep_alive) ||
        !keep_alive) {
      co_return;
    }
  }
}

template <class Stream>
awaitable<std::optional<Request>> Connection<Stream>::ReadRequest() {
  http::request_parser<http::string_body> parser;
  parser.body_limit(kMaxRequestBody);
  beast::get_lowest_layer(ws_).expires_after(kRequestTimeout);
  beast::error_code ec;
  co_await http::async_read(ws_.next_layer(), buffer_, parser, Into(ec));
  if (ec) co_return std::nullopt;
  co_return parser.release();
}

template <class Stream>
awaitable<bool> Connection<Stream>::Reply(const Request& req, http::status status, std::string body,
                                          const char* content_type, bool keep_alive) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, content_type);
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  beast::get_lowest_layer(ws_).expires_after(kRequestTimeout);
  beast::error_code ec;
  co_await http::async_write(ws_.next_layer(), res, Into(ec));
  EndPending();
  co_return !ec;
}

template <class Stream>
awaitable<void> Connection<Stream>::Upgrade(const Request& req) {
  WsFaultSetting fault = hub_.fault();
  if (fault.fault == WsFault::kRefuseUpgrade) {
    ++hub_.counters().upgrades_refused;
    Log("websocket: " + peer_ + ": upgrade refused (fault refuse_upgrade)");
    co_await Reply(req, http::status::forbidden, kRefused, "text/plain", false);
    co_return;
  }
  beast::get_lowest_layer(ws_).expires_never();  // the WebSocket's own timeouts from here on
  if (fault.fault == WsFault::kSlow) {
    Log("websocket: " + peer_ + ": upgrade held (fault slow)");
    if (!co_await Hold(Clock::now() + fault.slow)) co_return;
  }
  bool silent = fault.fault == WsFault::kSilent;
  ws_.set_option(websocket::stream_base::timeout{
      kCloseTimeout, silent ? websocket::stream_base::none() : kIdleTimeout, !silent});
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, kServerName); }));
  ws_.read_message_max(kMaxClientMessage);
  beast::error_code ec;
  co_await ws_.async_accept(req, Into(ec));
  EndPending();
  if (ec) co_return;
  upgraded_ = true;
  ++hub_.counters().total;
  ++hub_.counters().active;
  Log("websocket: " + peer_ + ": session opened (fault " + std::string(kWsFaultNames[fault.fault]) +
      ")");
  net::co_spawn(ws_.get_executor(), ReadLoop(this->shared_from_this()),
                [](std::exception_ptr e) { LogIfThrew("websocket reader", e); });
  co_await Session(fault);
  --hub_.counters().active;
  Log("websocket: " + peer_ + ": session closed after " + std::to_string(sent_) + " data messages");
}

template <class Stream>
awaitable<void> Connection<Stream>::Session(const WsFaultSetting& fault) {
  switch (fault.fault) {
    case WsFault::kCloseFrame:
      co_await Close({websocket::close_code::internal_error, "simulated server error"});
      co_return;
    case WsFault::kGarbage:
      if (!co_await Write(kGarbage)) co_return;
      break;
    case WsFault::kSilent: {
      ++hub_.counters().held_silent;
      bool released = co_await Hold(std::nullopt);
      --hub_.counters().held_silent;
      if (!released) break;
      Log("websocket: " + peer_ + ": released from silent");
      break;
    }
    case WsFault::kDrop:
      if (fault.after_messages > 0) break;
      Drop();
      co_return;
    default:
      break;
  }
  std::optional<int64_t> drop_after;
  if (fault.fault == WsFault::kDrop) drop_after = fault.after_messages;
  if (!ended()) co_await StreamBars(drop_after);
  if (stopping_ && !reader_done_ && !socket_closed_) {
    co_await Close(websocket::close_code::going_away);
  }
}

template <class Stream>
awaitable<void> Connection<Stream>::StreamBars(std::optional<int64_t> drop_after) {
  streaming_ = true;
  if (auto snapshot = hub_.Snapshot()) Queue(*snapshot);
  while (!ended()) {
    if (queue_.empty()) {
      co_await WaitForWork();
      continue;
    }
    WsMessage message = queue_.front();
    queue_.pop_front();
    if (!co_await Write(*message.text)) co_return;
    ++sent_;
    ++hub_.counters().messages_sent;
    if (drop_after && sent_ >= *drop_after) Drop();
  }
}

template <class Stream>
awaitable<void> Connection<Stream>::ReadLoop(std::shared_ptr<Connection> /*keep_alive*/) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  while (!ec) {
    co_await ws_.async_read(buffer, Into(ec));
    buffer.consume(buffer.size());
  }
  reader_done_ = true;
  wake_.cancel();
}

template <class Stream>
awaitable<bool> Connection<Stream>::Hold(std::optional<Clock::time_point> until) {
  released_ = false;
  while (!released_ && !ended() && (!until || Clock::now() < *until)) {
    wake_.expires_at(until.value_or(Clock::time_point::max()));
    beast::error_code ec;
    co_await wake_.async_wait(Into(ec));
  }
  co_return !ended();
}

template <class Stream>
awaitable<void> Connection<Stream>::WaitForWork() {
  wake_.expires_at(Clock::time_point::max());
  beast::error_code ec;
  co_await wake_.async_wait(Into(ec));
}

template <class Stream>
awaitable<bool> Connection<Stream>::Write(const std::string& text) {
  ws_.text(true);
  write_started_ = Clock::now();
  beast::error_code ec;
  co_await ws_.async_write(net::buffer(text), Into(ec));
  write_started_.reset();
  co_return !ec;
}

template <class Stream>
awaitable<void> Connection<Stream>::Close(websocket::close_reason reason) {
  beast::error_code ec;
  co_await ws_.async_close(reason, Into(ec));
}

template <class Stream>
void Connection<Stream>::Queue(const WsMessage& message) {
  if (last_queued_ && message.bar <= *last_queued_) return;  // the snapshot had it already
  bool stalled = write_started_ && Clock::now() - *write_started_ > kWriteStall;
  if (queue_.size() >= kMaxQueued || stalled) {
    ++hub_.counters().slow_clients_dropped;
    Log("websocket: " + peer_ + ": dropping a client too slow to take its messages");
    CloseSocket();
    return;
  }
  queue_.push_back(message);
  last_queued_ = message.bar;
  wake_.cancel();
}

template <class Stream>
void Connection<Stream>::Deliver(const WsMessage& message) {
  if (streaming_ && !ended()) Queue(message);
}

template <class Stream>
void Connection<Stream>::Release() {
  released_ = true;
  wake_.cancel();
}

template <class Stream>
void Connection<Stream>::Stop() {
  stopping_ = true;
  if (!upgraded_) CloseSocket();
  wake_.cancel();
}

template <class Stream>
void Connection<Stream>::EndPending() {
  if (!pending_) return;
  pending_ = false;
  --hub_.counters().handshakes_pending;
}

template <class Stream>
void Connection<Stream>::CloseSocket() {
  socket_closed_ = true;
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(ws_).close();
  wake_.cancel();
}

template <class Stream>
void Connection<Stream>::Drop() {
  Log("websocket: " + peer_ + ": dropping the connection (fault drop)");
  CloseSocket();
}

template <class Stream, class... Args>
void Spawn(WsHub& hub, Args&&... args) {
  auto connection = std::make_shared<Connection<Stream>>(hub, std::forward<Args>(args)...);
  net::co_spawn(connection->executor(), connection->Run(connection),
                [](std::exception_ptr e) { LogIfThrew("websocket connection", e); });
}

}  // namespace

void SpawnWsConnection(WsHub& hub, net::ip::tcp::socket socket, net::ssl::context* tls) {
  if (tls != nullptr) {
    Spawn<beast::ssl_stream<beast::tcp_stream>>(hub, std::move(socket), *tls);
  } else {
    Spawn<beast::tcp_stream>(hub, std::move(socket));
  }
}

void LogIfThrew(const char* what, std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    Log(std::string(what) + ": " + e.what());
  } catch (...) {
    Log(std::string(what) + ": unknown exception");
  }
}

}  // namespace usdcop::sim
