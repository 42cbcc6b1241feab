// One GET from a test to a server on 127.0.0.1 over HTTPS (trusting a given CA, optionally with
// a client certificate) or plain HTTP, optionally with basic auth. Header-only; link httplib.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>

namespace usdcop::testing {

struct TestRequest {
  bool tls = true;
  std::string ca;           // the CA the client trusts (TLS)
  std::string client_cert;  // PEM files of a client certificate and its key; "" = none
  std::string client_key;
  std::string user;  // basic auth when not empty
  std::string password;
  int max_tls_version = 0;  // e.g. TLS1_2_VERSION; 0 = OpenSSL's
};

struct TestReply {
  int status = 0;  // 0: no HTTP answer (refused, TLS failure, timeout)
  std::string body;
  httplib::Headers headers;
};

inline TestReply TestGet(int port, const std::string& path, const TestRequest& r) {
  // A server that refuses a client certificate after a TLS 1.3 handshake closes the connection
  // while the client writes its request: SSL_write's write() must fail with EPIPE, not kill the
  // test (httplib's Server ignores SIGPIPE when constructed; its clients do not).
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<httplib::ClientImpl> client;
  if (r.tls) {
    auto ssl = std::make_unique<httplib::SSLClient>("127.0.0.1", port, r.client_cert, r.client_key);
    ssl->set_ca_cert_path(r.ca);
    ssl->enable_server_certificate_verification(true);
    if (r.max_tls_version != 0)
      SSL_CTX_set_max_proto_version(ssl->ssl_context(), r.max_tls_version);
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>("127.0.0.1", port);
  }
  client->set_connection_timeout(std::chrono::seconds(3));
  client->set_read_timeout(std::chrono::seconds(5));
  if (!r.user.empty()) client->set_basic_auth(r.user, r.password);
  TestReply reply;
  if (auto res = client->Get(path)) {
    reply.status = res->status;
    reply.body = res->body;
    reply.headers = res->headers;
  }
  return reply;
}

}  // namespace usdcop::testing
