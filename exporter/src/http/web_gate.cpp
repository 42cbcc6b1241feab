#include "http/web_gate.h"

#include <openssl/crypto.h>

namespace usdcop {

WebGate::WebGate(std::shared_ptr<const WebConfig> web) : web_(std::move(web)) {
  if (web_ && web_->tls) selector_ = std::make_unique<TlsContextSelector>(web_->tls_context);
}

WebGate::AuthCheck WebGate::CheckCached(std::string_view authorization) {
  std::shared_ptr<const WebConfig> web = Current();
  if (!web || web->basic_auth.empty() || authorization.empty()) return {};
  std::optional<BasicCredentials> credentials = ParseBasicAuthorization(authorization);
  if (!credentials) return {};  // not basic credentials: maybe a bearer token
  AuthCheck check{AuthCheck::kNeedsVerify, ""};
  if (auth_.AllowsCached(web->basic_auth, *credentials))
    check = {AuthCheck::kUser, credentials->user};
  OPENSSL_cleanse(credentials->password.data(), credentials->password.size());
  return check;
}

std::optional<std::string> WebGate::Verify(std::string_view authorization) {
  std::shared_ptr<const WebConfig> web = Current();
  if (!web || web->basic_auth.empty()) return std::nullopt;
  auto credentials = ParseBasicAuthorization(authorization);
  if (!credentials || !auth_.Allows(web->basic_auth, authorization)) return std::nullopt;
  return credentials->user;
}

bool WebGate::RequiresBasicAuth() {
  std::shared_ptr<const WebConfig> web = Current();
  return web && !web->basic_auth.empty();
}

Status WebGate::Update(std::shared_ptr<const WebConfig> web) {
  MutexLock lock(mu_);
  if ((web_ != nullptr) != (web != nullptr))
    return Status(Reason::kParse, "the web config file can be given or dropped only at start");
  if (!web) return Status::Ok();
  if (web->tls.has_value() != (selector_ != nullptr))
    return Status(Reason::kParse,
                  web->file + ": tls_server_config was " + (selector_ ? "removed" : "added") +
                      ": switching the port between HTTP and HTTPS needs a restart");
  if (selector_) selector_->Set(web->tls_context);
  web_ = std::move(web);
  return Status::Ok();
}

std::shared_ptr<const WebConfig> WebGate::Current() {
  MutexLock lock(mu_);
  return web_;
}

}  // namespace usdcop
