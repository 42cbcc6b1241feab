#include "http/web_gate.h"

namespace usdcop {

WebGate::WebGate(std::shared_ptr<const WebConfig> web) : web_(std::move(web)) {
  if (web_ && web_->tls) selector_ = std::make_unique<TlsContextSelector>(web_->tls_context);
}

std::unique_ptr<httplib::Server> WebGate::MakeServer() { return Make(true, nullptr); }

std::unique_ptr<httplib::Server> WebGate::MakeServerWithoutBasicAuth(PreRouting next) {
  return Make(false, std::move(next));
}

std::optional<std::string> WebGate::BasicUser(std::string_view authorization) {
  std::shared_ptr<const WebConfig> web = Current();
  if (!web || web->basic_auth.empty()) return std::nullopt;
  auto credentials = ParseBasicAuthorization(authorization);
  if (!credentials || !auth_.Allows(web->basic_auth, authorization)) return std::nullopt;
  return credentials->user;
}

std::unique_ptr<httplib::Server> WebGate::Make(bool basic_auth, PreRouting next) {
  std::unique_ptr<httplib::Server> server;
  if (selector_) {
    server = std::make_unique<httplib::SSLServer>([this](SSL_CTX& base) { return selector_->Install(base); });
    if (!server->is_valid()) return nullptr;
  } else {
    server = std::make_unique<httplib::Server>();
  }
  const bool gate = Current() != nullptr;
  if (gate || next)
    server->set_pre_routing_handler([this, basic_auth, gate, next](const httplib::Request& req, httplib::Response& res) {
      if (gate && Check(req, res, basic_auth) == httplib::Server::HandlerResponse::Handled)
        return httplib::Server::HandlerResponse::Handled;
      return next ? next(req, res) : httplib::Server::HandlerResponse::Unhandled;
    });
  return server;
}

Status WebGate::Update(std::shared_ptr<const WebConfig> web) {
  std::lock_guard lock(mu_);
  if ((web_ != nullptr) != (web != nullptr))
    return Status(Reason::kParse, "the web config file can be given or dropped only at start");
  if (!web) return Status::Ok();
  if (web->tls.has_value() != (selector_ != nullptr))
    return Status(Reason::kParse, web->file + ": tls_server_config was " + (selector_ ? "removed" : "added") +
                                      ": switching the port between HTTP and HTTPS needs a restart");
  if (selector_) selector_->Set(web->tls_context);
  web_ = std::move(web);
  return Status::Ok();
}

std::shared_ptr<const WebConfig> WebGate::Current() {
  std::lock_guard lock(mu_);
  return web_;
}

httplib::Server::HandlerResponse WebGate::Check(const httplib::Request& req, httplib::Response& res,
                                               bool basic_auth) {
  std::shared_ptr<const WebConfig> web = Current();
  for (const auto& [name, value] : web->headers) res.set_header(name, value);
  if (!basic_auth || web->basic_auth.empty() || auth_.Allows(web->basic_auth, req.get_header_value("Authorization")))
    return httplib::Server::HandlerResponse::Unhandled;
  res.status = 401;
  res.set_header("WWW-Authenticate", "Basic");
  res.set_content("Unauthorized\n", "text/plain; charset=utf-8");
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace usdcop
