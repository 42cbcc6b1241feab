#include "sources/websocket_client.h"

#include <curl/curl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <type_traits>
#include <vector>

namespace usdcop {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// How often a phase looks at the run's cancel flag.
constexpr auto kSlice = std::chrono::milliseconds(50);
// After a phase was aborted, how long its operation may take to notice.
constexpr auto kDrainLimit = std::chrono::seconds(2);

struct UrlParts {
  bool tls = false;
  std::string host;  // without IPv6 brackets
  std::string port;
  std::string target;  // path and query
};

// One part of a parsed URL; "" when absent.
std::string UrlPart(CURLU* url, CURLUPart part) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, 0) != CURLUE_OK || text == nullptr) return "";
  std::string out(text);
  curl_free(text);
  return out;
}

Result<UrlParts> ParseUrl(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u ||
      curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
    return Status(Reason::kConnect,
                  "the WebSocket URL cannot be parsed (check probes.websocket.url)");
  UrlParts p;
  const std::string scheme = UrlPart(u.get(), CURLUPART_SCHEME);
  if (scheme != "ws" && scheme != "wss")
    return Status(Reason::kConnect,
                  "the WebSocket URL's scheme is not ws or wss (check probes.websocket.url)");
  p.tls = scheme == "wss";
  p.host = UrlPart(u.get(), CURLUPART_HOST);
  if (p.host.size() > 2 && p.host.front() == '[' && p.host.back() == ']')
    p.host = p.host.substr(1, p.host.size() - 2);
  p.port = UrlPart(u.get(), CURLUPART_PORT);
  if (p.port.empty()) p.port = p.tls ? "443" : "80";
  p.target = UrlPart(u.get(), CURLUPART_PATH);
  if (p.target.empty()) p.target = "/";
  const std::string query = UrlPart(u.get(), CURLUPART_QUERY);
  if (!query.empty()) p.target += "?" + query;
  return p;
}

// host:port as the Host header wants it.
std::string HostHeader(const UrlParts& p) {
  const bool v6 = p.host.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + p.host + "]" : p.host;
  const bool default_port = (p.tls && p.port == "443") || (!p.tls && p.port == "80");
  return default_port ? host : host + ":" + p.port;
}

bool IsAddress(const std::string& host) {
  beast::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

std::string Ms(Duration d) { return FormatDuration(d); }

// How a phase ended.
enum class PhaseEnd { kDone, kTimeout, kCancelled };

// One connection. `Next` is the layer below the WebSocket: beast::tcp_stream for ws://,
// beast::ssl_stream<beast::tcp_stream> for wss://. Operation results land in members, never in
// a phase's locals, so a late completion cannot write into a finished call's stack.
template <class Next>
class BeastConnection final : public WebSocketConnection {
 public:
  static constexpr bool kTls = !std::is_same_v<Next, beast::tcp_stream>;

  BeastConnection() : ws_(MakeStream()) {}
  ~BeastConnection() override { Abort(); }

  Status Open(const UrlParts& url, const WebSocketEndpoint& endpoint, Duration connect_timeout,
              Duration handshake_timeout, const Deadline& deadline, WebSocketTimings& timings) {
    const auto start = SteadyClock::now();
    const std::string where = url.host + ":" + url.port;
    std::vector<tcp::endpoint> endpoints;
    if (Status s = Resolve(url, connect_timeout, deadline, endpoints); !s.ok()) return s;
    const Duration connect_left =
        connect_timeout - std::chrono::duration_cast<Duration>(SteadyClock::now() - start);
    done_ = false;
    beast::get_lowest_layer(ws_).async_connect(
        endpoints, [this](beast::error_code ec, const tcp::endpoint&) { Finish(ec); });
    switch (RunPhase(connect_left, deadline)) {
      case PhaseEnd::kTimeout:
        return Status(Reason::kTimeout, "no TCP connection to " + where +
                                            " within connect_timeout " + Ms(connect_timeout));
      case PhaseEnd::kCancelled:
        return Cancelled();
      case PhaseEnd::kDone:
        break;
    }
    if (ec_) return Status(Reason::kConnect, "cannot connect to " + where + ": " + ec_.message());
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec_);
    timings.connected = SecondsSince(start);

    const auto handshake_start = SteadyClock::now();
    if constexpr (kTls) {
      if (Status s = TlsHandshake(url, endpoint, handshake_timeout, deadline); !s.ok()) return s;
    }
    const Duration upgrade_left = handshake_timeout - std::chrono::duration_cast<Duration>(
                                                          SteadyClock::now() - handshake_start);
    ws_.read_message_max(endpoint.max_message_bytes);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(http::field::user_agent, "usdcop_exporter"); }));
    done_ = false;
    ws_.async_handshake(response_, HostHeader(url), url.target,
                        [this](beast::error_code ec) { Finish(ec); });
    switch (RunPhase(upgrade_left, deadline)) {
      case PhaseEnd::kTimeout:
        return Status(Reason::kTimeout, "no WebSocket upgrade from " + where +
                                            " within handshake_timeout " + Ms(handshake_timeout));
      case PhaseEnd::kCancelled:
        return Cancelled();
      case PhaseEnd::kDone:
        break;
    }
    if (ec_) return UpgradeFailed(where);
    timings.upgraded = SecondsSince(start);
    return Status::Ok();
  }

  Result<std::string> Read(Duration timeout, const Deadline& deadline) override {
    done_ = false;
    buffer_.clear();
    ws_.async_read(buffer_, [this](beast::error_code ec, size_t) { Finish(ec); });
    switch (RunPhase(timeout, deadline)) {
      case PhaseEnd::kTimeout:
        return Status(Reason::kTimeout, "no message within " + Ms(timeout));
      case PhaseEnd::kCancelled:
        return Cancelled();
      case PhaseEnd::kDone:
        break;
    }
    if (ec_ == websocket::error::message_too_big)
      return Status(Reason::kParse, "a message is larger than " +
                                        std::to_string(ws_.read_message_max()) + " bytes");
    if (ec_) return Dropped();
    return beast::buffers_to_string(buffer_.data());
  }

  Status Write(const std::string& text, Duration timeout, const Deadline& deadline) override {
    done_ = false;
    ws_.text(true);
    ws_.async_write(asio::buffer(text), [this](beast::error_code ec, size_t) { Finish(ec); });
    switch (RunPhase(timeout, deadline)) {
      case PhaseEnd::kTimeout:
        return Status(Reason::kTimeout, "could not send a message within " + Ms(timeout));
      case PhaseEnd::kCancelled:
        return Cancelled();
      case PhaseEnd::kDone:
        break;
    }
    return ec_ ? Dropped() : Status::Ok();
  }

  Status Close(Duration timeout, const Deadline& deadline) override {
    done_ = false;
    ws_.async_close(websocket::close_code::normal, [this](beast::error_code ec) { Finish(ec); });
    switch (RunPhase(timeout, deadline)) {
      case PhaseEnd::kTimeout:
        return Status(Reason::kTimeout,
                      "the server did not answer the close within " + Ms(timeout));
      case PhaseEnd::kCancelled:
        return Cancelled();
      case PhaseEnd::kDone:
        break;
    }
    return ec_ ? Dropped() : Status::Ok();
  }

 private:
  websocket::stream<Next> MakeStream() {
    if constexpr (kTls)
      return websocket::stream<Next>(ioc_, tls_);
    else
      return websocket::stream<Next>(ioc_);
  }

  void Finish(beast::error_code ec) {
    ec_ = ec;
    done_ = true;
  }

  // Closes the socket: whatever operation is pending ends with an error.
  void Abort() {
    beast::error_code ignored;
    resolver_.cancel();
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  // Runs the pending operation until it completes, `budget` or the deadline passes, or the run
  // is cancelled; in the last cases aborts it and waits (bounded) for it to notice.
  PhaseEnd RunPhase(Duration budget, const Deadline& deadline) {
    const auto until = std::min(SteadyClock::now() + budget, deadline.at);
    PhaseEnd end = PhaseEnd::kDone;
    std::optional<SteadyClock::time_point> drain_until;
    ioc_.restart();
    while (!done_) {
      const auto now = SteadyClock::now();
      if (!drain_until && (deadline.Cancelled() || now >= until)) {
        end = deadline.Cancelled() ? PhaseEnd::kCancelled : PhaseEnd::kTimeout;
        Abort();
        drain_until = now + kDrainLimit;
      }
      if (drain_until && now >= *drain_until)
        break;  // the operation ignores the abort: give up on it
      const auto limit = drain_until ? *drain_until : until;
      ioc_.run_for(std::min<SteadyClock::duration>(kSlice, limit - now));
      if (ioc_.stopped()) ioc_.restart();
    }
    return end;
  }

  Status Resolve(const UrlParts& url, Duration timeout, const Deadline& deadline,
                 std::vector<tcp::endpoint>& out) {
    beast::error_code ec;
    const unsigned short port = static_cast<unsigned short>(std::stoi(url.port));
    if (IsAddress(url.host)) {
      out.emplace_back(asio::ip::make_address(url.host, ec), port);
      return Status::Ok();
    }
    done_ = false;
    resolver_.async_resolve(url.host, url.port,
                            [this](beast::error_code e, tcp::resolver::results_type results) {
                              for (const auto& r : results) resolved_.push_back(r.endpoint());
                              Finish(e);
                            });
    switch (RunPhase(timeout, deadline)) {
      case PhaseEnd::kTimeout:
        return Status(Reason::kTimeout,
                      "cannot resolve " + url.host + " within connect_timeout " + Ms(timeout));
      case PhaseEnd::kCancelled:
        return Cancelled();
      case PhaseEnd::kDone:
        break;
    }
    if (ec_ || resolved_.empty())
      return Status(Reason::kConnect,
                    "cannot resolve " + url.host + ": " + (ec_ ? ec_.message() : "no address"));
    out = std::move(resolved_);
    return Status::Ok();
  }

  Status TlsHandshake(const UrlParts& url, const WebSocketEndpoint& endpoint, Duration timeout,
                      const Deadline& deadline) {
    beast::error_code ec;
    if (endpoint.ca_file.empty())
      tls_.set_default_verify_paths(ec);
    else
      tls_.load_verify_file(endpoint.ca_file, ec);
    if (ec)
      return Status(Reason::kTls, "cannot load the CA certificates: " + ec.message() +
                                      " (check probes.websocket.ca_file)");
    auto& tls = ws_.next_layer();
    tls.set_verify_mode(asio::ssl::verify_peer);
    tls.set_verify_callback(asio::ssl::host_name_verification(url.host));
// OpenSSL's SSL_set_tlsext_host_name is a macro that casts the name with (void *).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
    if (!IsAddress(url.host)) SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
#pragma GCC diagnostic pop
    done_ = false;
    tls.async_handshake(asio::ssl::stream_base::client, [this](beast::error_code e) { Finish(e); });
    switch (RunPhase(timeout, deadline)) {
      case PhaseEnd::kTimeout:
        return Status(Reason::kTimeout, "no TLS handshake with " + url.host +
                                            " within handshake_timeout " + Ms(timeout));
      case PhaseEnd::kCancelled:
        return Cancelled();
      case PhaseEnd::kDone:
        break;
    }
    if (ec_)
      return Status(
          Reason::kTls,
          "TLS handshake with " + url.host + ": " + ec_.message() +
              " (the certificate must be signed by a CA of probes.websocket.ca_file or the "
              "system's store, and name the URL's host)");
    return Status::Ok();
  }

  Status UpgradeFailed(const std::string& where) const {
    const unsigned status = response_.result_int();
    if (status != 0 && status != 101)
      return Status(Reason::kHandshake, where + " refused the WebSocket upgrade: HTTP " +
                                            std::to_string(status) + " " +
                                            std::string(response_.reason()));
    return Status(Reason::kHandshake,
                  "the WebSocket upgrade with " + where + " failed: " + ec_.message());
  }

  // A read or write failed: the peer closed the WebSocket or the connection went away.
  Status Dropped() const {
    if (ec_ == websocket::error::closed) {
      const websocket::close_reason& r = ws_.reason();
      std::string what = "the server closed the WebSocket (code " + std::to_string(r.code);
      if (!r.reason.empty()) what += ": " + std::string(r.reason.c_str());
      return Status(Reason::kClosed, what + ")");
    }
    return Status(Reason::kClosed,
                  "the connection was dropped without a close frame (" + ec_.message() + ")");
  }

  static Status Cancelled() { return Status(Reason::kCancelled, "the exporter is shutting down"); }

  asio::io_context ioc_{1};
  asio::ssl::context tls_{asio::ssl::context::tls_client};
  tcp::resolver resolver_{ioc_};
  websocket::stream<Next> ws_;
  beast::flat_buffer buffer_;
  websocket::response_type response_;
  std::vector<tcp::endpoint> resolved_;
  bool done_ = false;
  beast::error_code ec_;
};

template <class Next>
Result<std::unique_ptr<WebSocketConnection>> DialWith(
    const UrlParts& url, const WebSocketEndpoint& endpoint, Duration connect_timeout,
    Duration handshake_timeout, const Deadline& deadline, WebSocketTimings& timings) {
  auto connection = std::make_unique<BeastConnection<Next>>();
  Status s = connection->Open(url, endpoint, connect_timeout, handshake_timeout, deadline, timings);
  if (!s.ok()) return s;
  return std::unique_ptr<WebSocketConnection>(std::move(connection));
}

}  // namespace

Result<std::unique_ptr<WebSocketConnection>> BeastWebSocketDialer::Dial(
    const WebSocketEndpoint& endpoint, Duration connect_timeout, Duration handshake_timeout,
    const Deadline& deadline, WebSocketTimings& timings) {
  auto url = ParseUrl(endpoint.url);
  if (!url.ok()) return url.status();
  if (url->tls)
    return DialWith<beast::ssl_stream<beast::tcp_stream>>(*url, endpoint, connect_timeout,
                                                          handshake_timeout, deadline, timings);
  return DialWith<beast::tcp_stream>(*url, endpoint, connect_timeout, handshake_timeout, deadline,
                                     timings);
}

}  // namespace usdcop
