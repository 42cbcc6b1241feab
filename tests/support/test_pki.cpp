#include "support/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace usdcop::testing {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

// Adds extensions given as OpenSSL config values ("critical,CA:TRUE").
void AddExtensions(X509* cert, X509* issuer, const std::vector<std::pair<int, const char*>>& exts) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : exts) {
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
    Check(ext != nullptr, "an X.509 extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
}

// A certificate for `key` named CN=`name`, unsigned, with no extensions yet.
Cert NewCert(EVP_PKEY* key, const char* name, long serial) {
  Cert cert(X509_new());
  Check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name), -1, -1, 0);
  return cert;
}

void WriteCert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  Check(f != nullptr, "opening a certificate file");
  bool ok = PEM_write_X509(f, cert) == 1;
  std::fclose(f);
  Check(ok, "PEM_write_X509");
}

void WriteKey(const std::string& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  Check(f != nullptr, "opening a key file");
  bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  Check(ok, "PEM_write_PrivateKey");
}

// A leaf certificate for `key`, signed by the CA, with its extended key usage and SAN.
Cert LeafCert(EVP_PKEY* key, const char* name, long serial, X509* ca, EVP_PKEY* ca_key,
              const char* usage, const char* san) {
  Cert cert = NewCert(key, name, serial);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca));
  AddExtensions(cert.get(), ca,
                {{NID_basic_constraints, "critical,CA:FALSE"},
                 {NID_key_usage, "critical,digitalSignature"},
                 {NID_ext_key_usage, usage},
                 {NID_subject_alt_name, san},
                 {NID_subject_key_identifier, "hash"},
                 {NID_authority_key_identifier, "keyid"}});
  Check(X509_sign(cert.get(), ca_key, EVP_sha256()) > 0, "signing a leaf certificate");
  return cert;
}

}  // namespace

TestPki MakeTestPki(const std::string& dir) {
  Key ca_key(EVP_EC_gen("P-256"));
  Key server_key(EVP_EC_gen("P-256"));
  Key client_key(EVP_EC_gen("P-256"));
  Check(ca_key && server_key && client_key, "EVP_EC_gen");

  Cert ca = NewCert(ca_key.get(), "usdcop test CA", 1);
  X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
  AddExtensions(ca.get(), ca.get(),
                {{NID_basic_constraints, "critical,CA:TRUE"},
                 {NID_key_usage, "critical,keyCertSign,cRLSign"},
                 {NID_subject_key_identifier, "hash"}});
  Check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "signing the CA");

  Cert server = LeafCert(server_key.get(), "127.0.0.1", 2, ca.get(), ca_key.get(), "serverAuth",
                         "IP:127.0.0.1");
  const std::string client_san = std::string("DNS:") + kTestClientSan;
  Cert client = LeafCert(client_key.get(), "usdcop test client", 3, ca.get(), ca_key.get(),
                         "clientAuth", client_san.c_str());

  TestPki pki{dir + "/ca.pem", dir + "/server.pem", dir + "/server-key.pem", dir + "/client.pem",
              dir + "/client-key.pem"};
  WriteCert(pki.ca_cert, ca.get());
  WriteCert(pki.server_cert, server.get());
  WriteKey(pki.server_key, server_key.get());
  WriteCert(pki.client_cert, client.get());
  WriteKey(pki.client_key, client_key.get());
  return pki;
}

}  // namespace usdcop::testing
