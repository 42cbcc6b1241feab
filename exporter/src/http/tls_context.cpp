#include "http/tls_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <optional>

#include "common/secret.h"
#include "common/small_file.h"

namespace usdcop {
namespace {

// What a context needs beyond OpenSSL's own settings, kept in the context's ex_data so that it
// lives and dies with the context (a connection holds a reference to its context).
struct Policy {
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  std::string groups;  // colon-separated, for SSL_set1_groups_list; "" = OpenSSL's
  std::vector<std::string> allowed_sans;
};

void FreePolicy(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<Policy*>(ptr);
}

int PolicyIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, FreePolicy);
  return index;
}

const Policy* PolicyOf(const SSL_CTX* ctx) {
  return static_cast<const Policy*>(SSL_CTX_get_ex_data(ctx, PolicyIndex()));
}

int VerifyMode(ClientAuth auth) {
  switch (auth) {
    case ClientAuth::kNoClientCert:
      return SSL_VERIFY_NONE;
    case ClientAuth::kRequestClientCert:
    case ClientAuth::kVerifyClientCertIfGiven:
      return SSL_VERIFY_PEER;
    case ClientAuth::kRequireAnyClientCert:
    case ClientAuth::kRequireAndVerifyClientCert:
      return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  return SSL_VERIFY_NONE;
}

std::string GeneralNameText(const GENERAL_NAME* name) {
  int type = 0;
  const void* value = GENERAL_NAME_get0_value(name, &type);
  const auto* s = static_cast<const ASN1_STRING*>(value);
  if (type == GEN_DNS || type == GEN_EMAIL || type == GEN_URI)
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
  if (type != GEN_IPADD) return "";
  char text[INET6_ADDRSTRLEN] = {};
  int family = ASN1_STRING_length(s) == 4 ? AF_INET : ASN1_STRING_length(s) == 16 ? AF_INET6 : 0;
  if (family == 0 || inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof text) == nullptr)
    return "";
  return text;
}

// True if one of the certificate's subject alternative names is in `allowed`, exactly.
bool HasAllowedSan(X509* cert, const std::vector<std::string>& allowed) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return false;
  bool found = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && !found; ++i) {
    std::string text = GeneralNameText(sk_GENERAL_NAME_value(names, i));
    found = !text.empty() && std::find(allowed.begin(), allowed.end(), text) != allowed.end();
  }
  GENERAL_NAMES_free(names);
  return found;
}

int VerifyClient(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const Policy* policy = ssl ? PolicyOf(SSL_get_SSL_CTX(ssl)) : nullptr;
  if (policy == nullptr) return 0;
  // Go's RequestClientCert and RequireAnyClientCert take any certificate, unverified.
  if (policy->client_auth == ClientAuth::kRequestClientCert ||
      policy->client_auth == ClientAuth::kRequireAnyClientCert)
    return 1;
  if (preverify_ok != 1) return 0;
  if (X509_STORE_CTX_get_error_depth(store) != 0 || policy->allowed_sans.empty()) return 1;
  if (HasAllowedSan(X509_STORE_CTX_get_current_cert(store), policy->allowed_sans)) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

// An encrypted key would make OpenSSL prompt on the terminal: answer "no password" instead.
int NoPassword(char*, int, int, void*) { return 0; }

std::string OpenSslReason() {
  unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

// The text of a PEM file (ReadSmallFile: a FIFO or a device is refused, never waited on), or
// nullopt with the problem recorded under `field`.
std::optional<std::string> ReadPem(const std::string& path, std::size_t max_bytes,
                                   const char* field, TlsContextBuild& build) {
  auto text = ReadSmallFile(path, max_bytes);
  if (text.ok()) return std::move(text).value();
  build.problems.emplace_back(field, "cannot read " + text.status().message());
  return std::nullopt;
}

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

Bio MemoryBio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
}

// SSL_CTX_use_certificate_chain_file from text: the first certificate, then the chain after it.
bool UseCertificateChain(SSL_CTX* ctx, const std::string& pem) {
  Bio bio = MemoryBio(pem);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert || SSL_CTX_use_certificate(ctx, cert.get()) != 1 || SSL_CTX_clear_chain_certs(ctx) != 1)
    return false;
  while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, next) != 1) {
      X509_free(next);
      return false;
    }
  }
  // The loop ends where no PEM block starts: the end of the text, not an error.
  const unsigned long last = ERR_peek_last_error();
  if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)
    ERR_clear_error();
  return ERR_peek_error() == 0;
}

void LoadCertAndKey(SSL_CTX* ctx, const TlsServerConfig& c, TlsContextBuild& build) {
  bool cert_ok = false;
  if (auto pem = ReadPem(c.cert_file, kMaxPemFileBytes, "cert_file", build)) {
    cert_ok = UseCertificateChain(ctx, *pem);
    if (!cert_ok)
      build.problems.emplace_back(
          "cert_file",
          "\"" + c.cert_file + "\" is not a PEM certificate (" + OpenSslReason() + ")");
  }
  std::optional<std::string> key_pem = ReadPem(c.key_file, kMaxSecretFileBytes, "key_file", build);
  if (!key_pem) return;
  Bio bio = MemoryBio(*key_pem);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr), EVP_PKEY_free);
  OPENSSL_cleanse(key_pem->data(), key_pem->size());
  if (!key) {
    build.problems.emplace_back(
        "key_file",
        "\"" + c.key_file + "\" is not an unencrypted PEM private key (" + OpenSslReason() + ")");
  } else if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 ||
             (cert_ok && SSL_CTX_check_private_key(ctx) != 1)) {
    build.problems.emplace_back(
        "key_file", "\"" + c.key_file + "\" is not the key of the certificate in cert_file (" +
                        OpenSslReason() + ")");
  }
}

// SSL_CTX_load_verify_locations and SSL_load_client_CA_file from text: each certificate (and
// CRL) trusted, each certificate's subject named in the CertificateRequest, so that clients pick a
// matching certificate.
void LoadClientCa(SSL_CTX* ctx, const std::string& path, TlsContextBuild& build) {
  std::optional<std::string> pem = ReadPem(path, kMaxPemFileBytes, "client_ca_file", build);
  if (!pem) return;
  Bio bio = MemoryBio(*pem);
  STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int certs = 0;
  bool ok = infos != nullptr;
  for (int i = 0; ok && i < sk_X509_INFO_num(infos); ++i) {
    const X509_INFO* info = sk_X509_INFO_value(infos, i);
    if (info->x509 != nullptr) {
      ok = X509_STORE_add_cert(store, info->x509) == 1 &&
           SSL_CTX_add_client_CA(ctx, info->x509) == 1;
      ++certs;
    }
    if (ok && info->crl != nullptr) ok = X509_STORE_add_crl(store, info->crl) == 1;
  }
  if (infos != nullptr) sk_X509_INFO_pop_free(infos, X509_INFO_free);
  if (!ok || certs == 0)
    build.problems.emplace_back(
        "client_ca_file", "\"" + path + "\" holds no PEM CA certificate (" + OpenSslReason() + ")");
}

std::string JoinGroups(const std::vector<std::string>& groups) {
  std::string out;
  for (const std::string& g : groups) out += (out.empty() ? "" : ":") + g;
  return out;
}

}  // namespace

TlsContextBuild BuildTlsContext(const TlsServerConfig& c) {
  TlsContextBuild build;
  ERR_clear_error();
  TlsContext ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) {
    build.problems.emplace_back("cert_file",
                                "OpenSSL cannot make a server context (" + OpenSslReason() + ")");
    return build;
  }
  SSL_CTX_set_default_passwd_cb(ctx.get(), NoPassword);
  SSL_CTX_set_options(ctx.get(),
                      SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  if (c.prefer_server_cipher_suites)
    SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_min_proto_version(ctx.get(), c.min_version);
  SSL_CTX_set_max_proto_version(ctx.get(), c.max_version);
  LoadCertAndKey(ctx.get(), c, build);
  if (!c.client_ca_file.empty()) LoadClientCa(ctx.get(), c.client_ca_file, build);
  auto policy =
      std::make_unique<Policy>(Policy{c.client_auth, JoinGroups(c.groups), c.client_allowed_sans});
  if (!policy->groups.empty() && SSL_CTX_set1_groups_list(ctx.get(), policy->groups.c_str()) != 1)
    build.problems.emplace_back("curve_preferences", "OpenSSL does not offer \"" + policy->groups +
                                                         "\" (" + OpenSslReason() + ")");
  SSL_CTX_set_verify(ctx.get(), VerifyMode(c.client_auth), VerifyClient);
  SSL_CTX_set_ex_data(ctx.get(), PolicyIndex(), policy.release());  // freed with the context
  ERR_clear_error();
  if (build.problems.empty()) build.context = std::move(ctx);
  return build;
}

bool TlsContextSelector::Install(SSL_CTX& base) {
  SSL_CTX_set_options(&base, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(&base, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(&base, 0);
  SSL_CTX_set_client_hello_cb(&base, OnClientHello, this);
  return true;
}

void TlsContextSelector::Set(TlsContext context) {
  MutexLock lock(mu_);
  current_ = std::move(context);
}

TlsContext TlsContextSelector::Current() {
  MutexLock lock(mu_);
  return current_;
}

int TlsContextSelector::OnClientHello(SSL* ssl, int* alert, void* self) {
  TlsContext ctx = static_cast<TlsContextSelector*>(self)->Current();
  const Policy* policy = ctx ? PolicyOf(ctx.get()) : nullptr;
  // SSL_set_SSL_CTX brings the certificate, key and client CA; what SSL_new copied from the
  // server's own context (verification, versions, options, groups) is set here from the new one.
  if (policy == nullptr || SSL_set_SSL_CTX(ssl, ctx.get()) != ctx.get()) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx.get()), SSL_CTX_get_verify_callback(ctx.get()));
  SSL_clear_options(ssl, SSL_get_options(ssl));
  SSL_set_options(ssl, SSL_CTX_get_options(ctx.get()));
  bool ok = SSL_set_min_proto_version(ssl, SSL_CTX_get_min_proto_version(ctx.get())) == 1 &&
            SSL_set_max_proto_version(ssl, SSL_CTX_get_max_proto_version(ctx.get())) == 1 &&
            (policy->groups.empty() || SSL_set1_groups_list(ssl, policy->groups.c_str()) == 1);
  SSL_set_num_tickets(ssl, 0);
  if (!ok) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

}  // namespace usdcop
