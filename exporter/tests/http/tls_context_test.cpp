#include "http/tls_context.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/https_get.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"
#include "support/test_pki.h"

namespace usdcop {
namespace {

using testing::TestGet;
using testing::TestRequest;

// The exporter's HttpServer on 127.0.0.1 over HTTPS: its connections take the current context.
class TlsServer {
 public:
  explicit TlsServer(TlsContext context) : server_(WebConfigWith(std::move(context))) {}
  int port() const { return server_.port(); }
  // What a reload of the web config does: new connections take `context`.
  void Set(TlsContext context) {
    ASSERT_TRUE(server_.gate().Update(WebConfigWith(std::move(context))).ok());
  }

 private:
  static std::shared_ptr<const WebConfig> WebConfigWith(TlsContext context) {
    auto web = std::make_shared<WebConfig>();
    web->file = "web.yml";
    web->tls = TlsServerConfig{};
    web->tls_context = std::move(context);
    return web;
  }
  TestHttpServer server_;
};

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* d : {"a", "b"}) std::filesystem::create_directories(dir_.File(d));
    a_ = testing::MakeTestPki(dir_.File("a"));
    b_ = testing::MakeTestPki(dir_.File("b"));
  }
  static TlsServerConfig Config(const testing::TestPki& pki) {
    TlsServerConfig c;
    c.cert_file = pki.server_cert;
    c.key_file = pki.server_key;
    return c;
  }
  static TlsContext Build(const TlsServerConfig& c) {
    TlsContextBuild build = BuildTlsContext(c);
    EXPECT_TRUE(build.problems.empty()) << build.problems.front().second;
    return build.context;
  }
  static TestRequest Trusting(const testing::TestPki& pki) {
    return TestRequest{.ca = pki.ca_cert};
  }
  static TestRequest WithClientCert(const testing::TestPki& server_ca,
                                    const testing::TestPki& client) {
    return TestRequest{.ca = server_ca.ca_cert,
                       .client_cert = client.client_cert,
                       .client_key = client.client_key};
  }

  TempDir dir_;
  testing::TestPki a_, b_;
};

TEST_F(TlsContextTest, HttpsWithTheTestCaSucceedsAndPlainHttpOrAnotherCaFails) {
  TlsServer server(Build(Config(a_)));
  testing::TestReply ok = TestGet(server.port(), "/", Trusting(a_));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok");
  EXPECT_EQ(TestGet(server.port(), "/", TestRequest{.tls = false}).status, 0);
  EXPECT_EQ(TestGet(server.port(), "/", Trusting(b_)).status, 0);  // the client does not trust it
}

TEST_F(TlsContextTest, RequireAndVerifyClientCertWantsACertificateOfTheClientCa) {
  TlsServerConfig c = Config(a_);
  c.client_auth = ClientAuth::kRequireAndVerifyClientCert;
  c.client_ca_file = a_.ca_cert;
  TlsServer server(Build(c));
  EXPECT_EQ(TestGet(server.port(), "/", Trusting(a_)).status, 0);              // none
  EXPECT_EQ(TestGet(server.port(), "/", WithClientCert(a_, b_)).status, 0);    // another CA's
  EXPECT_EQ(TestGet(server.port(), "/", WithClientCert(a_, a_)).status, 200);  // the CA's
}

TEST_F(TlsContextTest, VerifyClientCertIfGivenTakesNoneButRefusesABadOne) {
  TlsServerConfig c = Config(a_);
  c.client_auth = ClientAuth::kVerifyClientCertIfGiven;
  c.client_ca_file = a_.ca_cert;
  TlsServer server(Build(c));
  EXPECT_EQ(TestGet(server.port(), "/", Trusting(a_)).status, 200);
  EXPECT_EQ(TestGet(server.port(), "/", WithClientCert(a_, b_)).status, 0);
  EXPECT_EQ(TestGet(server.port(), "/", WithClientCert(a_, a_)).status, 200);
}

TEST_F(TlsContextTest, RequireAnyClientCertTakesAnyCertificateUnverified) {
  TlsServerConfig c = Config(a_);
  c.client_auth = ClientAuth::kRequireAnyClientCert;
  TlsServer server(Build(c));
  EXPECT_EQ(TestGet(server.port(), "/", Trusting(a_)).status, 0);
  EXPECT_EQ(TestGet(server.port(), "/", WithClientCert(a_, b_)).status, 200);
}

TEST_F(TlsContextTest, AllowedSansAreMatchedExactly) {
  TlsServerConfig c = Config(a_);
  c.client_auth = ClientAuth::kRequireAndVerifyClientCert;
  c.client_ca_file = a_.ca_cert;
  c.client_allowed_sans = {"other.usdcop.test", testing::kTestClientSan};
  TlsServer allowed(Build(c));
  EXPECT_EQ(TestGet(allowed.port(), "/", WithClientCert(a_, a_)).status, 200);
  c.client_allowed_sans = {"other.usdcop.test", "usdcop.test"};
  TlsServer refused(Build(c));
  EXPECT_EQ(TestGet(refused.port(), "/", WithClientCert(a_, a_)).status, 0);
}

TEST_F(TlsContextTest, MinVersionRefusesAnOlderClient) {
  TlsServerConfig c = Config(a_);
  c.min_version = TLS1_3_VERSION;
  TlsServer server(Build(c));
  TestRequest tls12 = Trusting(a_);
  tls12.max_tls_version = TLS1_2_VERSION;
  EXPECT_EQ(TestGet(server.port(), "/", tls12).status, 0);
  EXPECT_EQ(TestGet(server.port(), "/", Trusting(a_)).status, 200);
}

TEST_F(TlsContextTest, TheSelectorGivesNewConnectionsTheNewContext) {
  TlsServer server(Build(Config(a_)));
  ASSERT_EQ(TestGet(server.port(), "/", Trusting(a_)).status, 200);
  TlsServerConfig c = Config(b_);
  c.client_auth = ClientAuth::kRequireAndVerifyClientCert;
  c.client_ca_file = b_.ca_cert;
  server.Set(Build(c));
  EXPECT_EQ(TestGet(server.port(), "/", Trusting(a_)).status, 0);  // new certificate
  EXPECT_EQ(TestGet(server.port(), "/", Trusting(b_)).status, 0);  // now needs a client cert
  EXPECT_EQ(TestGet(server.port(), "/", WithClientCert(b_, b_)).status, 200);
}

}  // namespace
}  // namespace usdcop
