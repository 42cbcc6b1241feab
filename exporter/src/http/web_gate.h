// What a web config (--web.config.file) asks of the exporter's HTTP servers, in one place for
// both ports: HTTPS with the current TLS context, the configured response headers, and basic
// auth. Without a web config a server is plain HTTP with nothing added. The basic-auth check
// comes in two steps so that bcrypt never runs on an I/O thread: CheckCached answers at once
// (no credentials, or credentials that succeeded before), Verify runs bcrypt and belongs on a
// worker. Thread-safe; a reload swaps the config for the requests and connections that follow.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/mutex.h"
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

  struct AuthCheck {
    enum Kind {
      kNoCredentials,  // no basic_auth_users, or no `Basic` credentials in the request
      kUser,           // the user, by a cached earlier success
      kNeedsVerify,    // only bcrypt can tell: call Verify off the I/O threads
    } kind = kNoCredentials;
    std::string user;  // with kUser
  };
  AuthCheck CheckCached(std::string_view authorization);
  // The web config's user that `authorization` names with the right password (bcrypt); nullopt
  // otherwise. CPU-bound by design: call it from a worker.
  std::optional<std::string> Verify(std::string_view authorization);
  // True when the web config has basic_auth_users: the public port then requires them.
  bool RequiresBasicAuth();
  // The current web config (null without one): its headers go on every response.
  std::shared_ptr<const WebConfig> config() { return Current(); }

  // Applies a reloaded web config. Refuses (kParse) to add or remove the web config or its
  // tls_server_config: a listening server cannot change between HTTP and HTTPS, or start
  // checking passwords it was not set up to check; that needs a restart.
  Status Update(std::shared_ptr<const WebConfig> web);

  // Set when serving HTTPS: hands each new connection the current TLS context.
  TlsContextSelector* tls() { return selector_.get(); }

 private:
  std::shared_ptr<const WebConfig> Current();

  std::unique_ptr<TlsContextSelector> selector_;
  BasicAuthenticator auth_;
  Mutex mu_;
  std::shared_ptr<const WebConfig> web_ GUARDED_BY(mu_);
};

}  // namespace usdcop
