// The status page on the control port of the real usdcop_exporter (docs/status-page.md): its
// embedded files, the headers of every answer, the login with a session cookie, the CSRF check,
// logout, and the audit rows of each.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "support/control_client.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using nlohmann::json;

constexpr const char* kViewer = "page-viewer-tok-51ab";
constexpr const char* kOperator = "page-operator-tok-7c20";
constexpr const char* kWebhook = "page-webhook-tok-e913";

class StatusPageIT : public ::testing::Test {
 protected:
  void Start(const std::string& extra = "") {
    stack_.WriteConfig("control:\n  tokens:\n"
                       "    - {name: alice, sha256: " + Sha256Hex(kViewer) + ", role: viewer}\n"
                       "    - {name: ops, sha256: " + Sha256Hex(kOperator) + ", role: operator}\n"
                       "    - {name: am, sha256: " + Sha256Hex(kWebhook) + ", role: webhook}\n"
                       "  rate_limit: {per_second: 1000, burst: 1000}\n" + extra);
    stack_.StartExporter({"--control.listen-address=127.0.0.1:0"});
    auto port = stack_.exporter().WaitForLog("msg=\"control API listening\" address=127\\.0\\.0\\.1:([0-9]+)", 5s);
    ASSERT_TRUE(port) << stack_.exporter().Log();
    port_ = std::stoi(*port);
  }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(3s);
    c.set_read_timeout(10s);
    return c;
  }
  std::string Origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

  Stack stack_;
  int port_ = 0;
};

void ExpectSecurityHeaders(const httplib::Result& r, const std::string& what) {
  ASSERT_TRUE(r) << what;
  EXPECT_EQ(r->get_header_value("Content-Security-Policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
      << what;
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << what;
  EXPECT_EQ(r->get_header_value("Referrer-Policy"), "same-origin") << what;
  EXPECT_EQ(r->get_header_value("X-Frame-Options"), "DENY") << what;
  EXPECT_EQ(r->get_header_value("Cross-Origin-Opener-Policy"), "same-origin") << what;
  EXPECT_EQ(r->get_header_value("Cross-Origin-Resource-Policy"), "same-origin") << what;
}

TEST_F(StatusPageIT, TheFilesAreServedWithTheirTypesEtagsAndTheSecurityHeaders) {
  Start();
  httplib::Client c = Client();
  auto root = c.Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 303) << "no session: the login";
  EXPECT_EQ(root->get_header_value("Location"), "/login");
  ExpectSecurityHeaders(root, "/");
  auto login = c.Get("/login");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200);
  EXPECT_EQ(login->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(login->body, HasSubstr("<form"));
  ExpectSecurityHeaders(login, "/login");
  for (const auto& [path, type] : std::vector<std::pair<std::string, std::string>>{
           {"/assets/app.js", "text/javascript; charset=utf-8"},
           {"/assets/login.js", "text/javascript; charset=utf-8"},
           {"/assets/style.css", "text/css; charset=utf-8"},
           {"/assets/favicon.svg", "image/svg+xml"}}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), type) << path;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache") << path;
    const std::string etag = r->get_header_value("ETag");
    EXPECT_THAT(etag, ::testing::MatchesRegex("\"[0-9a-f]{16}\"")) << path;
    ExpectSecurityHeaders(r, path);
    auto again = c.Get(path, {{"If-None-Match", etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << path;
    auto head = c.Head(path);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200) << path;
    EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(r->body.size())) << path;
  }
  auto missing = c.Get("/assets/other.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto post = c.Post("/login", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  auto api = c.Get("/api/l0/health", {{"Authorization", std::string("Bearer ") + kViewer}});
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 200);
  EXPECT_EQ(api->get_header_value("Cache-Control"), "no-store");
  ExpectSecurityHeaders(api, "/api/l0/health");
  auto metrics = httplib::Client("127.0.0.1", stack_.exporter_port()).Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("usdcop_control_requests_total{endpoint=\"page\",method=\"GET\",code=\"200\"}"));
}

}  // namespace
}  // namespace usdcop::testing
