// A throwaway PKI for TLS tests: a CA, and a server certificate for 127.0.0.1 (an IP subject
// alternative name) that the CA signed; EC P-256 keys, valid from an hour ago for a day. Made
// with the OpenSSL API, so no openssl command is needed. Thread-safe.
#pragma once

#include <string>

namespace usdcop::testing {

struct TestPki {
  std::string ca_cert;      // PEM: what a client trusts
  std::string server_cert;  // PEM: the server's certificate, signed by the CA
  std::string server_key;   // PEM: its private key (unencrypted PKCS#8)
};

// Writes ca.pem, server.pem and server-key.pem into `dir` (which must exist); throws
// std::runtime_error when OpenSSL fails.
TestPki MakeTestPki(const std::string& dir);

}  // namespace usdcop::testing
