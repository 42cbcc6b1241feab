#include "websocket/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "shared/log.h"
#include "shared/worker_thread.h"
#include "websocket/connection.h"
#include "websocket/hub.h"

namespace usdcop::sim {
namespace {

namespace net = boost::asio;
using boost::system::error_code;
using net::ip::tcp;

constexpr auto kStopGrace = std::chrono::milliseconds(250);
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);  // after e.g. EMFILE

bool Readable(const std::string& path) { return std::ifstream(path).good(); }

// The server's TLS context; an error naming the flag and file.
Result<std::unique_ptr<net::ssl::context>> LoadTls(const std::string& cert,
                                                   const std::string& key) {
  if (!Readable(cert)) {
    return BadInput("--websocket.tls-cert", "--websocket.tls-cert: cannot read " + cert);
  }
  if (!Readable(key)) {
    return BadInput("--websocket.tls-key", "--websocket.tls-key: cannot read " + key);
  }
  auto tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                   net::ssl::context::no_tlsv1_1);
  error_code ec;
  tls->use_certificate_chain_file(cert, ec);
  if (ec) {
    return BadInput("--websocket.tls-cert", "--websocket.tls-cert: " + cert +
                                                " holds no PEM certificate (" + ec.message() + ")");
  }
  tls->use_private_key_file(key, net::ssl::context::pem, ec);
  // OpenSSL checks the key against the certificate as it loads it.
  bool mismatch =
      ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
  if (mismatch || (!ec && SSL_CTX_check_private_key(tls->native_handle()) != 1)) {
    return BadInput("--websocket.tls-key", "--websocket.tls-key: " + key +
                                               " is not the key of the certificate in " + cert);
  }
  if (ec) {
    return BadInput("--websocket.tls-key", "--websocket.tls-key: " + key +
                                               " holds no PEM private key (" + ec.message() + ")");
  }
  return tls;
}

}  // namespace

// Members in destruction order, last first: connections (owned by the io_context's pending
// operations) go before the hub and the TLS context they use.
struct WsServer::Impl {
  Impl(MarketWriter& w, ListenAddress a) : writer(w), hub(w), address(std::move(a)) {}

  net::awaitable<void> AcceptLoop();
  void RunIo();
  void Shutdown();  // on the io thread

  MarketWriter& writer;
  WsHub hub;
  const ListenAddress address;
  int port = 0;  // set by Bind, before the thread starts
  std::unique_ptr<net::ssl::context> tls;
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  net::steady_timer grace{io};
  WorkerThread thread;
};

net::awaitable<void> WsServer::Impl::AcceptLoop() {
  while (acceptor.is_open()) {
    error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (hub.stopping() || ec == net::error::operation_aborted) co_return;
    if (ec) {
      Log("websocket: accept failed: " + ec.message());
      net::steady_timer pause(io, kAcceptRetry);
      co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    SpawnWsConnection(hub, std::move(socket), tls.get());
  }
}

void WsServer::Impl::RunIo() {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      Log(std::string("websocket: ") + e.what());
    }
  }
}

void WsServer::Impl::Shutdown() {
  error_code ec;
  acceptor.close(ec);
  grace.expires_after(kStopGrace);
  grace.async_wait([this](error_code wait_ec) {
    if (!wait_ec) io.stop();  // sessions that did not close in time
  });
  hub.StopAll([this] { grace.cancel(); });
}

WsServer::WsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WsServer::~WsServer() {
  impl_->writer.SetPublishListener(nullptr);
  impl_->io.stop();
  impl_->thread.Join(std::chrono::seconds(1));
  impl_->hub.Clear();
}

Result<std::unique_ptr<WsServer>> WsServer::Create(const ListenAddress& listen,
                                                   const std::string& tls_cert,
                                                   const std::string& tls_key,
                                                   MarketWriter& writer) {
  auto impl = std::make_unique<Impl>(writer, listen);
  if (!tls_cert.empty()) {
    auto tls = LoadTls(tls_cert, tls_key);
    if (!tls.ok()) return tls.error();
    impl->tls = std::move(tls).value();
  }
  return std::unique_ptr<WsServer>(new WsServer(std::move(impl)));
}

Result<int> WsServer::Bind() {
  Impl& s = *impl_;
  error_code ec;
  tcp::resolver resolver(s.io);
  auto found = resolver.resolve(s.address.host, std::to_string(s.address.port),
                                tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (!ec && found.empty()) ec = net::error::host_not_found;
  if (!ec) s.acceptor.open(found.begin()->endpoint().protocol(), ec);
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(found.begin()->endpoint(), ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) s.port = s.acceptor.local_endpoint(ec).port();
  if (ec) {
    return IoError("--websocket.listen", "cannot listen on --websocket.listen " + s.address.host +
                                             ":" + std::to_string(s.address.port) + ": " +
                                             ec.message());
  }
  return s.port;
}

void WsServer::Start() {
  Impl& s = *impl_;
  s.writer.SetPublishListener(
      [&s](const PublishedBar& bar) { net::post(s.io, [&s, bar] { s.hub.Broadcast(bar); }); });
  net::co_spawn(s.io, s.AcceptLoop(), [](std::exception_ptr e) { LogIfThrew("websocket", e); });
  s.thread.Start([&s] { s.RunIo(); });
}

bool WsServer::Stop(std::chrono::milliseconds budget) {
  Impl& s = *impl_;
  s.writer.SetPublishListener(nullptr);
  net::post(s.io, [&s] { s.Shutdown(); });
  return s.thread.Join(budget);
}

std::string WsServer::url() const {
  return std::string(impl_->tls ? "wss://" : "ws://") + UrlHost(impl_->address.host) + ":" +
         std::to_string(impl_->port) + "/ws";
}

void WsServer::SetFault(const WsFaultSetting& setting) {
  Impl& s = *impl_;
  s.hub.SetFault(setting);
  if (setting.fault == WsFault::kNone) net::post(s.io, [&s] { s.hub.ReleaseAll(); });
}

WsFaultSetting WsServer::fault() const { return impl_->hub.fault(); }

WsCounts WsServer::counts() const { return impl_->hub.counts(); }

nlohmann::json WsServer::Describe() const {
  nlohmann::json out = {{"enabled", true}, {"url", url()}, {"tls", impl_->tls != nullptr}};
  out.update(impl_->hub.Describe());
  return out;
}

}  // namespace usdcop::sim
