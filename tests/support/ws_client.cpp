// Boost 1.74's asio headers use std::exchange without including <utility>.
#include <utility>

#include "support/ws_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <functional>
#include <type_traits>

namespace usdcop::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;

// What every connection shares: the io_context run in bounded steps, and the outcome so far.
class WsClient::Connection {
 public:
  virtual ~Connection() = default;
  virtual void StartConnect(const WsClientOptions& options) = 0;
  virtual void StartRead() = 0;
  virtual void StartWrite(const std::string& text) = 0;
  virtual void StartClose() = 0;
  virtual void CloseSocket() = 0;
  // The message read, after a successful read.
  virtual std::string TakeMessage() = 0;
  // Notes how the connection ended after a failed read.
  virtual void NoteEnd(const beast::error_code& ec) = 0;

  // Runs handlers until `done` or `limit`; done().
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      const auto now = Clock::now();
      if (now >= deadline) return false;
      if (io.stopped()) io.restart();
      if (io.run_one_for(deadline - now) == 0 && io.stopped()) return done();  // no work left
    }
    return true;
  }

  net::io_context io;
  bool connecting = false;
  bool connected = false;
  int status = 0;
  std::string error;
  bool reading = false;
  bool read_done = false;
  beast::error_code read_ec;
  bool writing = false;
  beast::error_code write_ec;
  bool closing = false;
  beast::error_code close_ec;
  WsEnd end;
};

template <class Stream>
class WsClient::ConnectionOn : public WsClient::Connection {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  ConnectionOn() : tls_(net::ssl::context::tls_client), ws_(MakeStream()) {}

  // The TLS context, for the CA to trust; before StartConnect.
  net::ssl::context& tls() { return tls_; }

  void StartConnect(const WsClientOptions& o) override {
    connecting = true;
    host_ = "127.0.0.1:" + std::to_string(o.port);
    path_ = o.path;
    if constexpr (kTls) {
      ws_.next_layer().set_verify_mode(net::ssl::verify_peer);
      ws_.next_layer().set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
    }
    net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"),
                                    static_cast<unsigned short>(o.port));
    beast::get_lowest_layer(ws_).async_connect(endpoint, [this](beast::error_code ec) {
      if (ec) return Fail("connect: " + ec.message());
      if constexpr (kTls) {
        ws_.next_layer().async_handshake(net::ssl::stream_base::client,
                                         [this](beast::error_code tls_ec) {
                                           if (tls_ec) return Fail("TLS: " + tls_ec.message());
                                           Upgrade();
                                         });
      } else {
        Upgrade();
      }
    });
  }

  void StartRead() override {
    reading = true;
    read_done = false;
    ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
      read_ec = ec;
      read_done = true;
    });
  }

  void StartWrite(const std::string& text) override {
    writing = true;
    outgoing_ = text;
    ws_.text(true);
    ws_.async_write(net::buffer(outgoing_), [this](beast::error_code ec, size_t) {
      write_ec = ec;
      writing = false;
    });
  }

  void StartClose() override {
    closing = true;
    ws_.async_close(websocket::close_code::normal, [this](beast::error_code ec) {
      close_ec = ec;
      closing = false;
    });
  }

  void CloseSocket() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
  }

  std::string TakeMessage() override {
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return text;
  }

  void NoteEnd(const beast::error_code& ec) override {
    end.ended = true;
    end.close_frame = ec == websocket::error::closed;
    end.close_code = ws_.reason().code;
    end.close_reason = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
    end.error = ec.message();
  }

 private:
  websocket::stream<Stream> MakeStream() {
    if constexpr (kTls) {
      return websocket::stream<Stream>(io, tls_);
    } else {
      return websocket::stream<Stream>(io);
    }
  }

  void Upgrade() {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.async_handshake(response_, host_, path_, [this](beast::error_code ec) {
      status = static_cast<int>(response_.result_int());
      if (ec) return Fail("upgrade: " + ec.message());
      connecting = false;
      connected = true;
    });
  }

  void Fail(const std::string& why) {
    connecting = false;
    error = why;
  }

  net::ssl::context tls_;
  websocket::stream<Stream> ws_;
  websocket::response_type response_;
  beast::flat_buffer buffer_;
  std::string host_, path_, outgoing_;
};

WsClient::WsClient() = default;
WsClient::~WsClient() = default;

bool WsClient::Connect(const WsClientOptions& options, std::chrono::milliseconds limit) {
  if (options.tls) {
    auto tls = std::make_unique<ConnectionOn<beast::ssl_stream<beast::tcp_stream>>>();
    beast::error_code ec;
    if (options.ca_file.empty()) {
      tls->tls().set_default_verify_paths(ec);
    } else {
      tls->tls().load_verify_file(options.ca_file, ec);
    }
    connection_ = std::move(tls);
    if (ec) {
      connection_->error = "CA file " + options.ca_file + ": " + ec.message();
      return false;
    }
  } else {
    connection_ = std::make_unique<ConnectionOn<beast::tcp_stream>>();
  }
  connection_->StartConnect(options);
  return AwaitConnect(limit);
}

bool WsClient::AwaitConnect(std::chrono::milliseconds limit) {
  if (!connection_) return false;
  Connection& c = *connection_;
  c.RunUntil([&c] { return !c.connecting; }, limit);
  return c.connected;
}

bool WsClient::connecting() const { return connection_ && connection_->connecting; }

int WsClient::status() const { return connection_ ? connection_->status : 0; }

const std::string& WsClient::error() const {
  static const std::string kNone = "not connected";
  return connection_ ? connection_->error : kNone;
}

std::optional<std::string> WsClient::Read(std::chrono::milliseconds limit) {
  if (!connection_ || !connection_->connected || connection_->end.ended) return std::nullopt;
  Connection& c = *connection_;
  if (!c.reading) c.StartRead();
  if (!c.RunUntil([&c] { return c.read_done; }, limit)) return std::nullopt;
  c.reading = false;
  c.read_done = false;
  if (c.read_ec) {
    c.NoteEnd(c.read_ec);
    return std::nullopt;
  }
  return c.TakeMessage();
}

bool WsClient::SendText(const std::string& text, std::chrono::milliseconds limit) {
  if (!connection_ || !connection_->connected || connection_->end.ended) return false;
  Connection& c = *connection_;
  c.StartWrite(text);
  return c.RunUntil([&c] { return !c.writing; }, limit) && !c.write_ec;
}

bool WsClient::Close(std::chrono::milliseconds limit) {
  if (!connection_ || !connection_->connected || connection_->end.ended) return false;
  Connection& c = *connection_;
  c.StartClose();
  bool done = c.RunUntil([&c] { return !c.closing && (!c.reading || c.read_done); }, limit);
  if (c.reading && c.read_done) {
    c.reading = false;
    c.NoteEnd(c.read_ec);
  }
  c.end.ended = true;
  return done && !c.close_ec;
}

void WsClient::Abandon() {
  if (connection_) connection_->CloseSocket();
}

const WsEnd& WsClient::end() const {
  static const WsEnd kNotConnected;
  return connection_ ? connection_->end : kNotConnected;
}

}  // namespace usdcop::testing
