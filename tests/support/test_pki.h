// A throwaway PKI for TLS tests: a CA, a server certificate for 127.0.0.1 (an IP subject
// alternative name) and a client certificate (clientAuth, SAN DNS:client.usdcop.test) that the
// CA signed; EC P-256 keys, valid from an hour ago for a day. Made with the OpenSSL API, so no
// openssl command is needed. Thread-safe.
#pragma once

#include <string>

namespace usdcop::testing {

struct TestPki {
  std::string ca_cert;      // PEM: what a client trusts
  std::string server_cert;  // PEM: the server's certificate, signed by the CA
  std::string server_key;   // PEM: its private key (unencrypted PKCS#8)
  std::string client_cert;  // PEM: a client's certificate, signed by the CA
  std::string client_key;   // PEM: its private key
};

// The client certificate's subject alternative name.
inline constexpr const char* kTestClientSan = "client.usdcop.test";

// Writes ca.pem, server.pem, server-key.pem, client.pem and client-key.pem into `dir` (which
// must exist); throws std::runtime_error when OpenSSL fails.
TestPki MakeTestPki(const std::string& dir);

}  // namespace usdcop::testing
