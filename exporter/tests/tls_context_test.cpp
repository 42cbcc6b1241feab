#include "http/tls_context.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <thread>

#include "support/https_get.h"
#include "support/test_pki.h"
#include "temp_dir.h"

namespace usdcop {
namespace {

using testing::TestGet;
using testing::TestRequest;

// An httplib::SSLServer on 127.0.0.1 whose connections take the selector's current context.
class TlsServer {
 public:
  explicit TlsServer(TlsContext context)
      : selector_(std::move(context)), server_([this](SSL_CTX& base) { return selector_.Install(base); }) {
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TlsServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  TlsContextSelector& selector() { return selector_; }

 private:
  TlsContextSelector selector_;
  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = -1;
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
  static TestRequest Trusting(const testing::TestPki& pki) { return TestRequest{.ca = pki.ca_cert}; }
  static TestRequest WithClientCert(const testing::TestPki& server_ca, const testing::TestPki& client) {
    return TestRequest{.ca = server_ca.ca_cert, .client_cert = client.client_cert, .client_key = client.client_key};
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
  server.selector().Set(Build(c));
  EXPECT_EQ(TestGet(server.port(), "/", Trusting(a_)).status, 0);            // new certificate
  EXPECT_EQ(TestGet(server.port(), "/", Trusting(b_)).status, 0);            // now needs a client cert
  EXPECT_EQ(TestGet(server.port(), "/", WithClientCert(b_, b_)).status, 200);
}

}  // namespace
}  // namespace usdcop
