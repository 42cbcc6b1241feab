// What a web config (--web.config.file) asks of an HTTP server, in one place for every server
// that takes it (the public port; the control API on the side port next): HTTPS with the
// current TLS context, the configured response headers, and basic auth before any handler runs.
// Without a web config a server is plain HTTP with nothing added, exactly as before the flag.
// Thread-safe; a reload swaps the config for the requests and connections that follow.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/basic_auth.h"
#include "http/tls_context.h"
#include "http/web_config.h"

namespace usdcop {

class WebGate {
 public:
  explicit WebGate(std::shared_ptr<const WebConfig> web);  // null: no web config
  WebGate(const WebGate&) = delete;
  WebGate& operator=(const WebGate&) = delete;

  // A new server: httplib::SSLServer when the web config has tls_server_config (HTTPS only),
  // else httplib::Server; with the headers and basic auth checked before routing when there is a
  // web config. The gate must outlive the server. Null when OpenSSL cannot set up the server.
  std::unique_ptr<httplib::Server> MakeServer();
  // The same, but basic auth is left to the handlers (BasicUser): the control API's callers
  // authenticate with a bearer token or with a basic-auth user of the web config.
  // `next` (optional) runs after the gate's own checks, before routing.
  using PreRouting = std::function<httplib::Server::HandlerResponse(const httplib::Request&, httplib::Response&)>;
  std::unique_ptr<httplib::Server> MakeServerWithoutBasicAuth(PreRouting next);

  // The web config's user that an `Authorization: Basic ...` value names with the right
  // password; nullopt otherwise (and always without a web config or basic_auth_users).
  std::optional<std::string> BasicUser(std::string_view authorization);

  // Applies a reloaded web config to every server made so far. Refuses (kParse) to add or remove
  // the web config or its tls_server_config: a listening server cannot change between HTTP and
  // HTTPS, or start checking passwords it was not set up to check; that needs a restart.
  Status Update(std::shared_ptr<const WebConfig> web);

  bool tls() const { return selector_ != nullptr; }

 private:
  std::unique_ptr<httplib::Server> Make(bool basic_auth, PreRouting next);
  httplib::Server::HandlerResponse Check(const httplib::Request& req, httplib::Response& res, bool basic_auth);
  std::shared_ptr<const WebConfig> Current();

  std::unique_ptr<TlsContextSelector> selector_;  // set when serving HTTPS
  BasicAuthenticator auth_;
  std::mutex mu_;
  std::shared_ptr<const WebConfig> web_;  // guarded by mu_
};

}  // namespace usdcop
