#include "http/web_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"
#include "support/test_bcrypt.h"
#include "support/test_pki.h"

namespace usdcop {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

class WebConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.File("pki"));
    pki_ = testing::MakeTestPki(dir_.File("pki"));
  }

  WebConfigLoad Load(const std::string& yaml) {
    std::ofstream(dir_.File("web.yml")) << yaml;
    return LoadWebConfigFile(dir_.File("web.yml"));
  }
  std::string At(const std::string& line_col) const {
    return dir_.File("web.yml") + ":" + line_col + ": ";
  }
  static std::string Errors(const WebConfigLoad& load) {
    std::string out;
    for (const std::string& e : load.errors) out += e + "\n";
    return out;
  }

  TempDir dir_;
  testing::TestPki pki_;
};

TEST_F(WebConfigTest, AFullFileLoadsWithPathsRelativeToItsDirectory) {
  const std::string hash = testing::MakeBcryptHash("pw", 4);
  WebConfigLoad load = Load(
      "tls_server_config:\n"
      "  cert_file: pki/server.pem\n"
      "  key_file: pki/server-key.pem\n"
      "  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: pki/ca.pem\n"
      "  client_allowed_sans: [client.usdcop.test]\n"
      "  min_version: TLS13\n"
      "  curve_preferences: [X25519, CurveP256]\n"
      "  prefer_server_cipher_suites: false\n"
      "http_server_config:\n"
      "  http2: false\n"
      "  headers:\n"
      "    X-Frame-Options: deny\n"
      "    Content-Security-Policy: \"default-src 'self'\"\n"
      "    X-XSS-Protection: \"\"\n"
      "basic_auth_users:\n"
      "  alice: " +
      hash + "\n");
  ASSERT_TRUE(load.config) << Errors(load);
  const WebConfig& web = *load.config;
  ASSERT_TRUE(web.tls);
  EXPECT_EQ(web.tls->cert_file, pki_.server_cert);
  EXPECT_EQ(web.tls->key_file, pki_.server_key);
  EXPECT_EQ(web.tls->client_ca_file, pki_.ca_cert);
  EXPECT_EQ(web.tls->client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_THAT(web.tls->client_allowed_sans, ElementsAre("client.usdcop.test"));
  EXPECT_EQ(web.tls->min_version, TLS1_3_VERSION);
  EXPECT_EQ(web.tls->max_version, TLS1_3_VERSION);
  EXPECT_THAT(web.tls->groups, ElementsAre("X25519", "P-256"));
  EXPECT_FALSE(web.tls->prefer_server_cipher_suites);
  EXPECT_NE(web.tls_context, nullptr);
  // A blank header is not sent, as in the toolkit.
  EXPECT_THAT(web.headers, ElementsAre(Pair("X-Frame-Options", "deny"),
                                       Pair("Content-Security-Policy", "default-src 'self'")));
  EXPECT_THAT(web.basic_auth.hashes, ElementsAre(Pair("alice", hash)));
}

TEST_F(WebConfigTest, AnEmptyFileConfiguresNothing) {
  WebConfigLoad load = Load("");
  ASSERT_TRUE(load.config) << Errors(load);
  EXPECT_FALSE(load.config->tls);
  EXPECT_TRUE(load.config->headers.empty());
  EXPECT_TRUE(load.config->basic_auth.empty());
}

TEST_F(WebConfigTest, EveryBadFieldIsListedWithItsPlace) {
  WebConfigLoad load = Load(
      "tls_server_config:\n"                         // 1
      "  cert_file: pki/server.pem\n"                // 2
      "  key_file: pki/server-key.pem\n"             // 3
      "  client_auth_type: RequireSomething\n"       // 4
      "  min_version: TLS10\n"                       // 5
      "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"  // 6
      "  curve_preferences: [CurveP256, P-999]\n"    // 7
      "  cert: inline\n"                             // 8
      "http_server_config:\n"                        // 9
      "  http2: true\n"                              // 10
      "  headers:\n"                                 // 11
      "    X-Frame-Options: allow\n"                 // 12
      "    Server: usdcop\n"                         // 13
      "basic_auth_users:\n"                          // 14
      "  bob: $1$not-bcrypt\n"                       // 15
      "rate_limit: {interval: 1s, burst: 5}\n"       // 16
      "tls_config: {}\n");                           // 17
  ASSERT_FALSE(load.config);
  std::string e = Errors(load);
  EXPECT_THAT(
      e,
      HasSubstr(
          At("4:21") +
          "tls_server_config.client_auth_type: \"RequireSomething\" is not one of NoClientCert, "));
  EXPECT_THAT(e, HasSubstr(At("5:16") +
                           "tls_server_config.min_version: \"TLS10\" cannot be honoured: OpenSSL 3 "
                           "allows TLS 1.0 and 1.1 only at security level 0 (use TLS12 or TLS13)"));
  EXPECT_THAT(
      e, HasSubstr(At("6:3") +
                   "tls_server_config.cipher_suites: cannot be honoured: Go's cipher suite names"));
  EXPECT_THAT(e, HasSubstr(At("7:34") + "tls_server_config.curve_preferences[1]: \"P-999\" is not "
                                        "one of CurveP256, CurveP384, CurveP521, X25519"));
  EXPECT_THAT(e, HasSubstr(At("8:3") + "tls_server_config.cert: inline PEM is not supported"));
  EXPECT_THAT(
      e,
      HasSubstr(At("10:10") +
                "http_server_config.http2: cannot be honoured: the exporter serves HTTP/1.1 only"));
  EXPECT_THAT(
      e,
      HasSubstr(
          At("12:22") +
          "http_server_config.headers.X-Frame-Options: \"allow\" is not one of deny, sameorigin"));
  EXPECT_THAT(e, HasSubstr(At("13:5") + "http_server_config.headers.Server: unknown key (allowed "
                                        "here: Strict-Transport-Security, "));
  EXPECT_THAT(e, HasSubstr(At("15:8") + "basic_auth_users.bob: is not a bcrypt hash"));
  EXPECT_THAT(e, HasSubstr(At("16:1") + "rate_limit: is not supported by usdcop_exporter"));
  EXPECT_THAT(e, HasSubstr(At("17:1") + "tls_config: unknown key (allowed here: tls_server_config, "
                                        "http_server_config, basic_auth_users)"));
  EXPECT_EQ(load.errors.size(), 11u) << e;
}

TEST_F(WebConfigTest, APasswordWrittenWhereItsHashBelongsIsNeverQuoted) {
  WebConfigLoad load = Load("basic_auth_users:\n  alice: planted-Plaintext-9x\n");
  ASSERT_FALSE(load.config);
  std::string e = Errors(load);
  EXPECT_THAT(e, HasSubstr(At("2:10") + "basic_auth_users.alice: is not a bcrypt hash"));
  EXPECT_THAT(e, Not(HasSubstr("planted-Plaintext-9x")));
}

TEST_F(WebConfigTest, FilesThatCannotBeLoadedAreNamed) {
  WebConfigLoad missing =
      Load("tls_server_config:\n  cert_file: pki/nope.pem\n  key_file: pki/ca.pem\n");
  std::string e = Errors(missing);
  EXPECT_THAT(e, HasSubstr(At("2:14") + "tls_server_config.cert_file: cannot read " +
                           dir_.File("pki/nope.pem") + ": No such file or directory"));
  EXPECT_THAT(e, HasSubstr(At("3:13") + "tls_server_config.key_file: \"" + pki_.ca_cert +
                           "\" is not an unencrypted PEM private key"));

  WebConfigLoad mismatched =
      Load("tls_server_config:\n  cert_file: pki/server.pem\n  key_file: pki/client-key.pem\n");
  EXPECT_THAT(Errors(mismatched),
              HasSubstr(At("3:13") + "tls_server_config.key_file: \"" + pki_.client_key +
                        "\" is not the key of the certificate in cert_file"));

  std::ofstream(dir_.File("garbage.pem")) << "not a certificate\n";
  WebConfigLoad garbage = Load(
      "tls_server_config:\n  cert_file: garbage.pem\n  key_file: pki/server-key.pem\n"
      "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: garbage.pem\n");
  e = Errors(garbage);
  EXPECT_THAT(e, HasSubstr(At("2:14") + "tls_server_config.cert_file: \"" +
                           dir_.File("garbage.pem") + "\" is not a PEM certificate"));
  EXPECT_THAT(e, HasSubstr(At("5:19") + "tls_server_config.client_ca_file: \"" +
                           dir_.File("garbage.pem") + "\" holds no PEM CA certificate"));
}

TEST_F(WebConfigTest, ClientAuthNeedsItsCaAndSansNeedVerification) {
  WebConfigLoad load = Load(
      "tls_server_config:\n"
      "  cert_file: pki/server.pem\n"
      "  key_file: pki/server-key.pem\n"
      "  client_ca_file: pki/ca.pem\n"
      "  client_allowed_sans: [client.usdcop.test]\n"
      "  min_version: TLS13\n"
      "  max_version: TLS12\n");
  std::string e = Errors(load);
  EXPECT_THAT(e, HasSubstr(At("4:19") +
                           "tls_server_config.client_ca_file: is set without a client_auth_type"));
  EXPECT_THAT(e, HasSubstr(At("5:24") + "tls_server_config.client_allowed_sans: needs "
                                        "client_auth_type: RequireAndVerifyClientCert"));
  EXPECT_THAT(e, HasSubstr(At("7:16") + "tls_server_config.max_version: is below min_version"));

  WebConfigLoad no_ca = Load(
      "tls_server_config:\n  cert_file: pki/server.pem\n  key_file: pki/server-key.pem\n"
      "  client_auth_type: RequireAndVerifyClientCert\n");
  EXPECT_THAT(
      Errors(no_ca),
      HasSubstr(At("4:21") +
                "tls_server_config.client_ca_file: is required to verify client certificates"));
}

TEST_F(WebConfigTest, TlsNeedsACertificateAndItsKey) {
  WebConfigLoad load = Load("tls_server_config:\n  min_version: TLS12\n");
  std::string e = Errors(load);
  EXPECT_THAT(e, AllOf(HasSubstr("tls_server_config.cert_file: is required"),
                       HasSubstr("tls_server_config.key_file: is required")));
}

TEST_F(WebConfigTest, UnreadableOrInvalidYamlIsReported) {
  WebConfigLoad missing = LoadWebConfigFile(dir_.File("absent.yml"));
  EXPECT_THAT(Errors(missing),
              HasSubstr(dir_.File("absent.yml") + ": No such file or directory (the web config "
                                                  "file: give its path with --web.config.file)"));
  WebConfigLoad bad = Load("basic_auth_users: [\n");
  EXPECT_THAT(Errors(bad), HasSubstr(dir_.File("web.yml") + ":2:1: not valid YAML"));
  WebConfigLoad users = Load("basic_auth_users:\n  \"a:b\": $2b$04$" + std::string(53, 'a') + "\n");
  EXPECT_THAT(
      Errors(users),
      HasSubstr(At("2:3") + "basic_auth_users.a:b: a user name must be non-empty and without ':'"));
}

}  // namespace
}  // namespace usdcop
