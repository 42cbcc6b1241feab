#include "http/web_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support/https_get.h"
#include "support/temp_dir.h"
#include "support/test_bcrypt.h"
#include "support/test_http_server.h"
#include "support/test_pki.h"

namespace usdcop {
namespace {

using testing::TestGet;
using testing::TestReply;
using testing::TestRequest;

std::shared_ptr<const WebConfig> Users(std::map<std::string, std::string, std::less<>> hashes) {
  auto web = std::make_shared<WebConfig>();
  web->file = "web.yml";
  web->basic_auth = MakeBasicAuthUsers(std::move(hashes));
  web->headers = {{"X-Frame-Options", "deny"}};
  return web;
}

TestRequest Plain(const std::string& user = "", const std::string& password = "") {
  return TestRequest{.tls = false, .user = user, .password = password};
}

TEST(WebGate, WithoutAWebConfigTheServerIsPlainHttpWithNothingAdded) {
  TestHttpServer server(nullptr);
  WebGate& gate = server.gate();
  TestReply reply = TestGet(server.port(), "/metrics", Plain());
  EXPECT_EQ(reply.status, 200);
  EXPECT_FALSE(reply.headers.count("X-Frame-Options"));
  EXPECT_FALSE(gate.tls());
}

TEST(WebGate, BasicAuthIsCheckedBeforeAnyHandlerAndHeadersGoOnEveryResponse) {
  TestHttpServer server(Users({{"alice", testing::MakeBcryptHash("right", 4)}}));
  TestReply good = TestGet(server.port(), "/metrics", Plain("alice", "right"));
  EXPECT_EQ(good.status, 200);
  EXPECT_EQ(good.body, "ok");
  EXPECT_EQ(good.headers.find("X-Frame-Options")->second, "deny");
  for (const TestRequest& bad : {Plain("alice", "wrong"), Plain("mallory", "right"), Plain()}) {
    TestReply r = TestGet(server.port(), "/metrics", bad);
    EXPECT_EQ(r.status, 401) << bad.user << ":" << bad.password;
    ASSERT_TRUE(r.headers.count("WWW-Authenticate"));
    EXPECT_EQ(r.headers.find("WWW-Authenticate")->second, "Basic");
    EXPECT_EQ(r.headers.find("X-Frame-Options")->second, "deny");
  }
  EXPECT_EQ(TestGet(server.port(), "/no-such-page", Plain()).status,
            401);  // nothing is shown unauthenticated
}

TEST(WebGate, AnUpdateSwapsTheUsersAtOnce) {
  TestHttpServer server(Users({{"alice", testing::MakeBcryptHash("one", 4)}}));
  WebGate& gate = server.gate();
  ASSERT_EQ(TestGet(server.port(), "/metrics", Plain("alice", "one")).status, 200);
  ASSERT_TRUE(gate.Update(Users({{"alice", testing::MakeBcryptHash("two", 4)}})).ok());
  EXPECT_EQ(TestGet(server.port(), "/metrics", Plain("alice", "one")).status, 401);
  EXPECT_EQ(TestGet(server.port(), "/metrics", Plain("alice", "two")).status, 200);
}

TEST(WebGate, AnUpdateCannotSwitchBetweenHttpAndHttps) {
  TempDir dir;
  testing::TestPki pki = testing::MakeTestPki(dir.File(""));
  auto tls = std::make_shared<WebConfig>();
  tls->file = "web.yml";
  tls->tls = TlsServerConfig{.cert_file = pki.server_cert, .key_file = pki.server_key};
  tls->tls_context = BuildTlsContext(*tls->tls).context;
  ASSERT_NE(tls->tls_context, nullptr);

  WebGate plain(Users({}));
  Status added = plain.Update(tls);
  EXPECT_FALSE(added.ok());
  EXPECT_THAT(added.message(), ::testing::HasSubstr("tls_server_config was added: switching the "
                                                    "port between HTTP and HTTPS needs a restart"));
  EXPECT_FALSE(plain.Update(nullptr).ok());

  TestHttpServer server(tls);
  WebGate& https = server.gate();
  EXPECT_TRUE(https.tls());
  EXPECT_THAT(https.Update(Users({})).message(),
              ::testing::HasSubstr("tls_server_config was removed"));
  EXPECT_EQ(TestGet(server.port(), "/metrics", TestRequest{.ca = pki.ca_cert}).status, 200);
  EXPECT_EQ(TestGet(server.port(), "/metrics", Plain()).status, 0);
}

}  // namespace
}  // namespace usdcop
