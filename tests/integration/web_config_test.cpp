// The real usdcop_exporter with --web.config.file: HTTPS with the test CA, client certificates,
// basic auth against bcrypt hashes made at test time, a broken file at start, and a reload.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <sstream>

#include "support/alerting.h"
#include "support/https_get.h"
#include "support/stack.h"
#include "support/test_bcrypt.h"
#include "support/test_pki.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPlantedWebPassword = "planted-Web-pw-4b1d8e";

std::string TlsSection(const std::string& pki_dir, const std::string& extra = "") {
  return "tls_server_config:\n  cert_file: " + pki_dir + "/server.pem\n  key_file: " + pki_dir +
         "/server-key.pem\n" + extra;
}

class WebConfigIT : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.WriteConfig("");
    for (const char* d : {"a", "b"}) std::filesystem::create_directories(stack_.File(d));
    a_ = MakeTestPki(stack_.File("a"));
    b_ = MakeTestPki(stack_.File("b"));
  }
  void Start(const std::string& web_yml) {
    stack_.WriteFile("web.yml", web_yml);
    stack_.StartExporter({"--web.config.file=" + stack_.File("web.yml")});
  }
  TestReply Get(const TestRequest& r, const std::string& path = "/metrics") {
    return TestGet(stack_.exporter_port(), path, r);
  }
  std::string Log() { return stack_.exporter().Log(); }

  Stack stack_;
  TestPki a_, b_;
};

TEST_F(WebConfigIT, TheTlsPortServesHttpsWithTheTestCaAndRefusesPlainHttp) {
  Start(TlsSection("a"));  // relative to the web config's directory
  TestReply reply = Get({.ca = a_.ca_cert});
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, HasSubstr("usdcop_build_info{"));
  EXPECT_EQ(Get({.ca = a_.ca_cert}, "/-/healthy").status, 200);
  EXPECT_EQ(Get({.tls = false}).status, 0);
  EXPECT_EQ(Get({.ca = b_.ca_cert}).status, 0);  // a client that does not trust the certificate
  EXPECT_THAT(Log(), HasSubstr("tls=true"));
  // The listening socket is a plain one under SSLServer too, so listening again with SOMAXCONN
  // lifts httplib's backlog of 5 for HTTPS as well (ss shows a listener's backlog as Send-Q).
  CommandResult ss =
      RunCommand({"ss", "-Hltn", "sport = :" + std::to_string(stack_.exporter_port())}, "");
  if (ss.exit_code == 0) {
    std::istringstream row(ss.output);
    std::string state;
    int recv_q = -1, backlog = -1;
    row >> state >> recv_q >> backlog;
    EXPECT_GT(backlog, 5) << ss.output;
  }
}

TEST_F(WebConfigIT, RequireAndVerifyClientCertRefusesNoCertAndAcceptsOneOfTheCa) {
  Start(TlsSection("a",
                   "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: a/ca.pem\n"));
  EXPECT_EQ(Get({.ca = a_.ca_cert}).status, 0);
  EXPECT_EQ(
      Get({.ca = a_.ca_cert, .client_cert = b_.client_cert, .client_key = b_.client_key}).status,
      0);
  EXPECT_EQ(
      Get({.ca = a_.ca_cert, .client_cert = a_.client_cert, .client_key = a_.client_key}).status,
      200);
}

TEST_F(WebConfigIT, BasicAuthNeedsTheRightPasswordAndNeverLogsIt) {
  Start("basic_auth_users:\n  prometheus: " + MakeBcryptHash(kPlantedWebPassword, 5) + "\n");
  EXPECT_EQ(Get({.tls = false, .user = "prometheus", .password = kPlantedWebPassword}).status, 200);
  EXPECT_EQ(Get({.tls = false, .user = "prometheus", .password = kPlantedWebPassword}).status,
            200);  // cached
  for (const TestRequest& r :
       {TestRequest{.tls = false, .user = "prometheus", .password = "wrong"},
        TestRequest{.tls = false, .user = "nobody", .password = kPlantedWebPassword},
        TestRequest{.tls = false}}) {
    TestReply reply = Get(r);
    EXPECT_EQ(reply.status, 401) << r.user;
    ASSERT_TRUE(reply.headers.count("WWW-Authenticate")) << r.user;
    EXPECT_EQ(reply.headers.find("WWW-Authenticate")->second, "Basic");
  }
  const std::string header =
      httplib::make_basic_authentication_header("prometheus", kPlantedWebPassword).second;
  ASSERT_EQ(stack_.StopExporter(), 0);
  std::string log = Log();
  EXPECT_THAT(log, HasSubstr("basic_auth_users=1"));
  EXPECT_THAT(log, Not(HasSubstr(kPlantedWebPassword)));
  EXPECT_THAT(log, Not(HasSubstr(header.substr(6))));  // nor its base64
}

TEST_F(WebConfigIT, PrometheusScrapesItOverHttpsWithBasicAuth) {
  Start(TlsSection("a") +
        "basic_auth_users:\n  prometheus: " + MakeBcryptHash(kPlantedWebPassword, 4) + "\n");
  stack_.WriteFile("scrape_password", kPlantedWebPassword);
  PrometheusServer prometheus(stack_.Dir(),
                              "global: {scrape_interval: 1s}\n"
                              "scrape_configs:\n"
                              "  - job_name: usdcop_exporter\n"
                              "    scheme: https\n"
                              "    tls_config: {ca_file: " +
                                  a_.ca_cert +
                                  "}\n"
                                  "    basic_auth: {username: prometheus, password_file: " +
                                  stack_.File("scrape_password") +
                                  "}\n"
                                  "    static_configs: [{targets: ['127.0.0.1:" +
                                  std::to_string(stack_.exporter_port()) + "']}]\n");
  ASSERT_TRUE(Eventually(
      [&] {
        nlohmann::json r = prometheus.Query("usdcop_build_info{job=\"usdcop_exporter\"}");
        return r.is_array() && r.size() == 1;
      },
      20s))
      << prometheus.Query("up").dump() << "\n"
      << prometheus.Log();
  EXPECT_EQ(prometheus.Query("up{job=\"usdcop_exporter\"}")[0]["value"][1], "1");
}

TEST_F(WebConfigIT, ABrokenFileAtStartExits1WithEveryError) {
  stack_.WriteFile("web.yml", TlsSection("missing") +
                                  "  min_version: TLS11\nbasic_auth_users:\n  bob: not-a-hash\n");
  CommandResult r =
      RunCommand({USDCOP_EXPORTER_BIN, "--config.file=" + stack_.File("config.yml"),
                  "--web.config.file=" + stack_.File("web.yml"), "--web.listen-address=127.0.0.1:0",
                  "--storage.path=" + stack_.File("s.db")},
                 "", 10s);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("msg=\"invalid web configuration\""));
  EXPECT_THAT(r.output,
              HasSubstr("web.yml:2:14: tls_server_config.cert_file: cannot read " +
                        stack_.File("missing/server.pem") + ": No such file or directory"));
  EXPECT_THAT(r.output, HasSubstr("web.yml:3:13: tls_server_config.key_file: cannot read"));
  EXPECT_THAT(
      r.output,
      HasSubstr("web.yml:4:16: tls_server_config.min_version: \\\"TLS11\\\" cannot be honoured"));
  EXPECT_THAT(r.output, HasSubstr("web.yml:6:8: basic_auth_users.bob: is not a bcrypt hash"));
  EXPECT_THAT(r.output, Not(HasSubstr("not-a-hash")));
  EXPECT_THAT(r.output, Not(HasSubstr("msg=listening")));
}

TEST_F(WebConfigIT, AReloadSwapsCertificateAndUsersButNotHttpsForHttp) {
  Start(TlsSection("a") + "basic_auth_users:\n  alice: " + MakeBcryptHash("one", 4) + "\n");
  ASSERT_EQ(Get({.ca = a_.ca_cert, .user = "alice", .password = "one"}).status, 200);
  stack_.WriteFile("web.yml", TlsSection("b") +
                                  "basic_auth_users:\n  alice: " + MakeBcryptHash("two", 4) + "\n");
  stack_.exporter().Signal(SIGHUP);
  ASSERT_TRUE(Eventually(
      [&] { return Get({.ca = b_.ca_cert, .user = "alice", .password = "two"}).status == 200; },
      5s))
      << Log();
  EXPECT_EQ(Get({.ca = a_.ca_cert, .user = "alice", .password = "two"}).status,
            0);  // the old certificate is gone
  EXPECT_EQ(Get({.ca = b_.ca_cert, .user = "alice", .password = "one"}).status,
            401);  // and the old password
  auto scrape = [&] {
    return ParseExposition(Get({.ca = b_.ca_cert, .user = "alice", .password = "two"}).body);
  };
  EXPECT_EQ(scrape()["usdcop_config_last_reload_successful"], 1);

  stack_.WriteFile("web.yml", "basic_auth_users:\n  alice: " + MakeBcryptHash("three", 4) + "\n");
  stack_.exporter().Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return scrape()["usdcop_config_last_reload_successful"] == 0; }, 5s))
      << Log();
  EXPECT_THAT(Log(), HasSubstr("tls_server_config was removed: switching the port between HTTP and "
                               "HTTPS needs a restart"));
  EXPECT_EQ(Get({.tls = false, .user = "alice", .password = "three"}).status,
            0);  // still HTTPS, old users
}

}  // namespace
}  // namespace usdcop::testing
