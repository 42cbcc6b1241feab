// The status page on the control port of the real usdcop_exporter (docs/status-page.md): its
// embedded files, the headers of every answer, the login with a session cookie, the CSRF check,
// logout, and the audit rows of each.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/control_client.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kViewer = "page-viewer-tok-51ab";
constexpr const char* kOperator = "page-operator-tok-7c20";
constexpr const char* kWebhook = "page-webhook-tok-e913";

class StatusPageIT : public ::testing::Test {
 protected:
  void Start(const std::string& extra = "") {
    stack_.WriteConfig(
        "control:\n  tokens:\n"
        "    - {name: alice, sha256: " +
        Sha256Hex(kViewer) +
        ", role: viewer}\n"
        "    - {name: ops, sha256: " +
        Sha256Hex(kOperator) +
        ", role: operator}\n"
        "    - {name: am, sha256: " +
        Sha256Hex(kWebhook) +
        ", role: webhook}\n"
        "  rate_limit: {per_second: 1000, burst: 1000}\n" +
        extra);
    port_ = StartExporterWithControl(stack_);
    ASSERT_GT(port_, 0);
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
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src "
            "'self'; "
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
  // The HTTP server's own refusals carry them too.
  auto too_large = c.Get("/login", {{"X-Long", std::string(40 * 1024, 'v')}});
  ASSERT_TRUE(too_large);
  EXPECT_EQ(too_large->status, 431);
  ExpectSecurityHeaders(too_large, "431");
  auto landing = httplib::Client("127.0.0.1", stack_.exporter_port()).Get("/");
  ASSERT_TRUE(landing);
  EXPECT_THAT(landing->body, HasSubstr("<p><a href=\"http://127.0.0.1:" + std::to_string(port_) +
                                       "/\">Status page</a> (on the control port)</p>"));
  auto metrics = httplib::Client("127.0.0.1", stack_.exporter_port()).Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(
      metrics->body,
      HasSubstr("usdcop_control_requests_total{endpoint=\"page\",method=\"GET\",code=\"200\"}"));
}

struct Login {
  std::string cookie;  // "usdcop_session=<id>"
  std::string csrf;
  httplib::Result result;
};

TEST_F(StatusPageIT, LoginSessionCsrfAndLogoutOverHttp) {
  Start();
  httplib::Client c = Client();
  const httplib::Headers browser = {{"Origin", Origin()}, {"Sec-Fetch-Site", "same-origin"}};
  // A wrong token: refused and audited.
  auto wrong = c.Post("/api/session", browser, R"({"token": "not-a-token"})", "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(json::parse(wrong->body).value("field", ""), "token");
  EXPECT_EQ(wrong->get_header_value("Set-Cookie"), "");
  EXPECT_TRUE(
      stack_.exporter().WaitForLog("msg=\"control request\" caller=\"?\"? address=127\\.0\\.0\\.1 "
                                   "method=POST endpoint=/api/session "
                                   "action=login params=\\{\\} code=401",
                                   5s))
      << stack_.exporter().Log();
  // Another site's page cannot log a browser in.
  auto foreign = c.Post("/api/session", {{"Origin", "http://evil.example"}},
                        std::string(R"({"token": ")") + kViewer + "\"}", "application/json");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  // The login.
  auto login = c.Post("/api/session", browser, std::string(R"({"token": ")") + kOperator + "\"}",
                      "application/json");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200) << login->body;
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  EXPECT_THAT(set_cookie,
              ::testing::MatchesRegex(
                  "usdcop_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800"));
  EXPECT_EQ(login->get_header_value("Cache-Control"), "no-store");
  const json me = json::parse(login->body);
  EXPECT_EQ(me.value("caller", ""), "ops");
  EXPECT_EQ(me.value("role", ""), "operator");
  const std::string csrf = me.value("csrf_token", "");
  EXPECT_EQ(csrf.size(), 64u);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  EXPECT_TRUE(stack_.exporter().WaitForLog(
      "caller=ops address=127\\.0\\.0\\.1 method=POST endpoint=/api/session "
      "action=login params=\\{\\} code=200",
      5s))
      << stack_.exporter().Log();
  // The page and the views with the cookie.
  auto page = c.Get("/", {{"Cookie", cookie}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, HasSubstr("/assets/app.js"));
  auto view = c.Get("/api/l0/health", {{"Cookie", cookie}});
  ASSERT_TRUE(view);
  EXPECT_EQ(view->status, 200);
  auto session = c.Get("/api/session", {{"Cookie", cookie}});
  ASSERT_TRUE(session);
  EXPECT_EQ(json::parse(session->body).value("csrf_token", ""), csrf);
  // An action without the CSRF token: 403, audited; with it: done.
  httplib::Headers with_cookie = browser;
  with_cookie.emplace("Cookie", cookie);
  auto no_csrf =
      c.Post("/api/l0/health", with_cookie, R"({"action": "run-checks"})", "application/json");
  ASSERT_TRUE(no_csrf);
  EXPECT_EQ(no_csrf->status, 403);
  EXPECT_EQ(json::parse(no_csrf->body).value("field", ""), "X-CSRF-Token");
  EXPECT_TRUE(
      stack_.exporter().WaitForLog("caller=ops .*endpoint=/api/l0/health .*code=403 "
                                   "result=csrf",
                                   5s))
      << stack_.exporter().Log();
  httplib::Headers with_csrf = with_cookie;
  with_csrf.emplace("X-CSRF-Token", csrf);
  auto acted =
      c.Post("/api/l0/health", with_csrf, R"({"action": "run-checks"})", "application/json");
  ASSERT_TRUE(acted);
  EXPECT_EQ(acted->status, 200) << acted->body;
  // A bearer token needs no CSRF token, as before.
  auto bearer = c.Post("/api/l0/health", {{"Authorization", std::string("Bearer ") + kOperator}},
                       R"({"action": "run-checks"})", "application/json");
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->status, 200);
  // Logout: the CSRF token is needed, the cookie is cleared, the session is gone.
  auto no_csrf_logout = c.Delete("/api/session", with_cookie);
  ASSERT_TRUE(no_csrf_logout);
  EXPECT_EQ(no_csrf_logout->status, 403);
  auto logout = c.Delete("/api/session", with_csrf);
  ASSERT_TRUE(logout);
  EXPECT_EQ(logout->status, 204);
  EXPECT_EQ(logout->get_header_value("Set-Cookie"),
            "usdcop_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  auto after = c.Get("/", {{"Cookie", cookie}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 303);
  auto api_after = c.Get("/api/l0/health", {{"Cookie", cookie}});
  ASSERT_TRUE(api_after);
  EXPECT_EQ(api_after->status, 401);
  auto metrics = httplib::Client("127.0.0.1", stack_.exporter_port()).Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("usdcop_control_requests_total{endpoint=\"/api/session\","
                                       "method=\"DELETE\",code=\"204\"} 1"));
}

TEST_F(StatusPageIT, AReloadWithoutTheTokenRevokesItsSessions) {
  Start("  session_ttl: 1h\n");
  httplib::Client c = Client();
  auto login =
      c.Post("/api/session", std::string(R"({"token": ")") + kViewer + "\"}", "application/json");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200) << login->body;
  EXPECT_THAT(login->get_header_value("Set-Cookie"), HasSubstr("Max-Age=3600"));
  const std::string cookie = login->get_header_value("Set-Cookie")
                                 .substr(0, login->get_header_value("Set-Cookie").find(';'));
  stack_.WriteConfig(
      "control:\n  tokens:\n"
      "    - {name: alice, sha256: " +
      Sha256Hex("a-new-token") + ", role: viewer}\n");
  stack_.exporter().Signal(SIGHUP);
  ASSERT_TRUE(stack_.exporter().WaitForLog(
      "msg=\"status page sessions revoked by the reload\" sessions=1", 5s))
      << stack_.exporter().Log();
  auto after = c.Get("/api/session", {{"Cookie", cookie}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
}

TEST_F(StatusPageIT, TheSummaryHasEveryPartWithTheProbesIntervalsAndTheMarket) {
  stack_.StartSim();
  const std::string pipeline = stack_.PipelineConfig();
  stack_.WriteConfig(pipeline +
                     "control:\n  tokens:\n"
                     "    - {name: alice, sha256: " +
                     Sha256Hex(kViewer) +
                     ", role: viewer}\n"
                     "    - {name: am, sha256: " +
                     Sha256Hex(kWebhook) + ", role: webhook}\n");
  port_ = StartExporterWithControl(stack_);
  ASSERT_GT(port_, 0);
  httplib::Client c = Client();
  const httplib::Headers viewer = {{"Authorization", std::string("Bearer ") + kViewer}};
  json status;
  for (int i = 0; i < 50; ++i) {  // until the pipeline probe has run: at most 5 s
    auto r = c.Get("/api/status", viewer);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
    status = json::parse(r->body);
    if (status["probes"]["pipeline"].value("has_run", false)) break;
    std::this_thread::sleep_for(100ms);
  }
  for (const char* part :
       {"generated_at", "refresh_seconds", "market", "probes", "pipeline", "data_quality",
        "ready_signal", "backups", "websocket", "api_usage", "alerts", "trends"})
    EXPECT_TRUE(status.contains(part)) << part << ": " << status.dump();
  ASSERT_TRUE(status["probes"]["pipeline"].value("has_run", false)) << status.dump();
  EXPECT_EQ(status["probes"]["pipeline"]["configured"], true);
  EXPECT_TRUE(status["probes"]["pipeline"]["interval_seconds"].is_number());
  EXPECT_EQ(status["probes"]["pipeline"]["stale"], false);
  EXPECT_EQ(status["probes"]["backups"]["configured"], false);
  EXPECT_EQ(status["probes"].size(), 7u) << "every kind of the table";
  ASSERT_FALSE(status["pipeline"]["layers"].empty()) << status.dump();
  EXPECT_TRUE(status["pipeline"]["layers"][0].contains("records_per_minute"));
  EXPECT_EQ(status["market"]["timezone"], "America/Bogota");
  EXPECT_TRUE(status["market"]["open"].is_boolean());
  EXPECT_TRUE(status["market"]["next_open"].is_number() ||
              status["market"]["next_close"].is_number());
  EXPECT_EQ(status["data_quality"]["completeness_target"], 0.995);
  EXPECT_EQ(status["api_usage"]["critical_ratio"], 0.95);
  EXPECT_EQ(status["trends"]["step_seconds"], 60);
  EXPECT_FALSE(status["alerts"]["response"].contains("episodes"));
  // The roles and methods of the other views.
  auto webhook = c.Get("/api/status", {{"Authorization", std::string("Bearer ") + kWebhook}});
  ASSERT_TRUE(webhook);
  EXPECT_EQ(webhook->status, 403);
  auto none = c.Get("/api/status");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto post = c.Post("/api/status", viewer, "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

// The trend ring buffer fed by the real probe runs: with a 1 s step the records rate of L0 (the
// sim's run reports its records by XCom) appears as a chart series and as the layer's figure.
TEST_F(StatusPageIT, TheTrendsFillFromTheProbesResults) {
  stack_.StartSim();
  stack_.WriteConfig(stack_.PipelineConfig() +
                     "control:\n  trend_step: 1s\n  tokens:\n"
                     "    - {name: alice, sha256: " +
                     Sha256Hex(kViewer) + ", role: viewer}\n");
  port_ = StartExporterWithControl(stack_);
  ASSERT_GT(port_, 0);
  httplib::Client c = Client();
  const httplib::Headers viewer = {{"Authorization", std::string("Bearer ") + kViewer}};
  json status, series;
  auto l0_rate = [&]() -> json {
    for (const json& l : status["pipeline"]["layers"])
      if (l["layer"] == "L0") return l["records_per_minute"];
    return json();
  };
  for (int i = 0; i < 200; ++i) {  // a value needs two steps with a counter: at most 20 s
    auto r = c.Get("/api/status", viewer);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    status = json::parse(r->body);
    series = json();
    for (const json& s : status["trends"]["series"])
      if (s["name"] == "records_per_minute" && s["labels"] == json({{"layer", "L0"}})) series = s;
    const bool has_value =
        series.is_object() && std::any_of(series["points"].begin(), series["points"].end(),
                                          [](const json& p) { return p[1].is_number(); });
    if (has_value && l0_rate().is_number()) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status["trends"]["step_seconds"], 1);
  EXPECT_EQ(status["trends"]["span_seconds"], 360);
  ASSERT_TRUE(series.is_object()) << status["trends"].dump();
  ASSERT_TRUE(l0_rate().is_number()) << status["pipeline"].dump();
  EXPECT_GE(l0_rate().get<double>(), 0);
  const json& points = series["points"];
  ASSERT_GE(points.size(), 2u) << series.dump();
  for (size_t i = 1; i < points.size(); ++i)  // one point per step, oldest first
    EXPECT_EQ(points[i][0].get<double>() - points[i - 1][0].get<double>(), 1) << series.dump();
  EXPECT_EQ(points.back()[0].get<double>(), std::floor(points.back()[0].get<double>()));
}

}  // namespace
}  // namespace usdcop::testing
