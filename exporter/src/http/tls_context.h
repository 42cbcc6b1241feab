// TLS for the exporter's HTTP servers, from the exporter-toolkit's `tls_server_config`: an
// OpenSSL server context built from the configured files and policy, and a selector that hands
// each new connection the current context, so that a reload changes certificate, key, client CA
// and policy for the connections that follow without closing the listening socket.
//
// Client authentication follows Go's crypto/tls ClientAuthType, which the toolkit names:
// Request and RequireAny accept any certificate without verifying it; VerifyIfGiven and
// RequireAndVerify verify it against client_ca_file (and, when configured, that one of its
// subject alternative names is allowed). Session resumption (cache and tickets) is off, so a
// reload's new client CA and policy hold for every new connection.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"

namespace usdcop {

enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert,
};

struct TlsServerConfig {
  std::string cert_file;       // PEM certificate chain, absolute path
  std::string key_file;        // PEM private key (unencrypted), absolute path
  std::string client_ca_file;  // PEM CA certificates for client certificates; "" = none
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::vector<std::string> groups;  // OpenSSL group names ("P-256", "X25519"); empty = OpenSSL's
  bool prefer_server_cipher_suites = true;
  std::vector<std::string>
      client_allowed_sans;  // exact SAN values (DNS, e-mail, IP, URI); empty = any
};

// A configured server context. Immutable once built; OpenSSL makes connections from it on any
// thread. Shared by every server (and connection) that uses it.
using TlsContext = std::shared_ptr<SSL_CTX>;

struct TlsContextBuild {
  TlsContext context;  // set when problems is empty
  // (field of tls_server_config, what is wrong and what to do), e.g. a file that cannot be loaded.
  std::vector<std::pair<std::string, std::string>> problems;
};

// Loads the certificate chain, key and client CA and sets the policy; every problem is listed.
TlsContextBuild BuildTlsContext(const TlsServerConfig& config);

// Hands each new TLS connection of a server the current context. Thread-safe.
class TlsContextSelector {
 public:
  explicit TlsContextSelector(TlsContext initial) : current_(std::move(initial)) {}
  TlsContextSelector(const TlsContextSelector&) = delete;
  TlsContextSelector& operator=(const TlsContextSelector&) = delete;

  // Makes the server's own context (the HTTP server's base context) defer to this selector: each
  // connection switches to the current context in OpenSSL's ClientHello callback. Call once,
  // before the server accepts; the selector must outlive the server.
  bool Install(SSL_CTX& base);
  // Connections accepted from now on use `context`; those already open keep theirs.
  void Set(TlsContext context);

 private:
  static int OnClientHello(SSL* ssl, int* alert, void* self);
  TlsContext Current();

  Mutex mu_;
  TlsContext current_ GUARDED_BY(mu_);
};

}  // namespace usdcop
