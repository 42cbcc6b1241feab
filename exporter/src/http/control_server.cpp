#include "http/control_server.h"

#include <sys/socket.h>

namespace usdcop {
namespace {

void Send(const ControlResponse& r, httplib::Response& res) {
  res.status = r.code;
  for (const auto& [name, value] : r.headers) res.set_header(name, value);
  res.set_header("Cache-Control", "no-store");
  res.set_content(r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json");
}

// The Content-Length a request declares; 0 when none or unreadable (httplib then refuses it).
std::uint64_t DeclaredLength(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return 0;
  try {
    return std::stoull(req.get_header_value("Content-Length"));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

ControlServer::ControlServer(Handler handler, Logger& log, size_t max_connections, std::shared_ptr<const WebConfig> web)
    : handler_(std::move(handler)), log_(log), gate_(std::move(web)) {
  // A declared body over the limit is answered (through the API: authenticated, audited)
  // without reading it. The gate has set the web config's headers by then.
  server_ = gate_.MakeServerWithoutBasicAuth([this](const httplib::Request& req, httplib::Response& res) {
    if (DeclaredLength(req) > kMaxControlBody) {
      Serve(req, res, true);
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  if (!server_) return;
  server_->new_task_queue = [max_connections] { return new httplib::ThreadPool(max_connections); };
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_timeout(30);
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);
  server_->set_payload_max_length(kMaxControlBody);
  server_->set_socket_options([this](socket_t fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = fd;
  });
  auto serve = [this](const httplib::Request& req, httplib::Response& res) { Serve(req, res, false); };
  for (const char* pattern : {"/.*"}) {
    server_->Get(pattern, serve);
    server_->Post(pattern, serve);
    server_->Put(pattern, serve);
    server_->Delete(pattern, serve);
    server_->Patch(pattern, serve);
  }
  // A chunked body past the limit: httplib answers 413 itself; make it the API's JSON shape.
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 413) Send(ErrorResponse(413, "the body is larger than 64 KiB", "body"), res);
  });
}

ControlServer::~ControlServer() { Stop(); }

void ControlServer::Serve(const httplib::Request& req, httplib::Response& res, bool body_too_large) {
  ControlRequest r;
  r.method = req.method;
  r.path = req.path;
  r.authorization = req.get_header_value("Authorization");
  if (r.authorization.size() > 6 && (r.authorization[0] == 'B' || r.authorization[0] == 'b') &&
      (r.authorization[1] == 'a' || r.authorization[1] == 'A'))
    r.basic_user = gate_.BasicUser(r.authorization).value_or("");
  r.idempotency_key = req.get_header_value("Idempotency-Key");
  r.remote_addr = req.remote_addr;
  r.body_too_large = body_too_large;
  if (!body_too_large) r.body = req.body;
  Send(handler_(r), res);
}

Result<int> ControlServer::Start(const ListenAddress& address) {
  if (!server_) return Status(Reason::kTls, "OpenSSL could not set up the HTTPS server of the control API");
  int port = address.port == 0 ? server_->bind_to_any_port(address.host)
                               : (server_->bind_to_port(address.host, address.port) ? address.port : -1);
  if (port >= 0 && listen_fd_ >= 0) ::listen(listen_fd_, SOMAXCONN);
  if (port < 0)
    return Status(Reason::kConnect, "cannot listen on " + address.host + ":" + std::to_string(address.port) +
                                        " for the control API (in use, or not an address of this host)");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return port;
}

void ControlServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace usdcop
