// ControlApi: routing, authentication, roles, limits, body checks, idempotency and the audit
// log, over a fake table of endpoints and a real state store.
#include "control/control_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <atomic>
#include <cstdio>
#include <filesystem>

#include "common/clock.h"
#include "common/sha256.h"
#include "control/web_assets.h"
#include "support/fake_clock.h"

namespace usdcop {
namespace {

constexpr const char* kViewerToken = "viewer-token-1";
constexpr const char* kOperatorToken = "operator-token-2";
constexpr const char* kWebhookToken = "webhook-token-3";
constexpr const char* kPlanted = "planted-secret-9d1e";

std::string RawSha256(const std::string& text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  return std::string(reinterpret_cast<const char*>(d), sizeof d);
}

class ControlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("control_api_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = StateStore::Open((dir_ / "state.db").string());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    log_file_ = std::tmpfile();
    log_ = std::make_unique<Logger>(LogLevel::kDebug, LogFormat::kLogfmt, log_file_);
    api_ = std::make_unique<ControlApi>(*store_, *log_, clock_);
    Install(20);
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    std::fclose(log_file_);
    std::filesystem::remove_all(dir_);
  }

  void Install(double burst) {
    auto setup = std::make_shared<ControlSetup>();
    setup->tokens = {{"alice", RawSha256(kViewerToken), ControlRole::kViewer},
                     {"ops", RawSha256(kOperatorToken), ControlRole::kOperator},
                     {"am", RawSha256(kWebhookToken), ControlRole::kWebhook}};
    setup->basic_auth_users = {{"carol", ControlRole::kOperator}};
    setup->per_second = 0.001;  // no refill within a test
    setup->burst = burst;
    ActionSpec act{
        "do-it",
        {{"layer", ParamSpec::Kind::kString, true, {"L0", "L1"}},
         {"since", ParamSpec::Kind::kDuration},
         {"api_key", ParamSpec::Kind::kString}},
        true,
        [this](const ActionCall& call) -> ActionResult {
          runs_++;
          return {200, {{"done", call.params["layer"]}, {"by", call.caller.name}}, "did it"};
        },
        ""};
    ActionSpec missing{"not-here", {}, true, nullptr, "give control.actions.not-here a hook"};
    ActionSpec flaky{"flaky",
                     {},
                     true,
                     [this](const ActionCall&) -> ActionResult {
                       if (throws_.exchange(false)) throw std::runtime_error("a bug of the action");
                       runs_++;
                       return {200, {{"done", true}}, "did it"};
                     },
                     ""};
    setup->endpoints = {
        {"/api/l0/health",
         [] { return std::make_shared<const std::string>(R"({"view": "l0"})"); },
         {act, missing, flaky}},
        {"/api/alerts/webhook",
         nullptr,
         {},
         [this](const Caller&, const nlohmann::json& body) -> ActionResult {
           webhooks_++;
           return {200, {{"alerts", body["alerts"].size()}}, "ingested"};
         }},
    };
    api_->Install(setup);
  }

  ControlResponse Call(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body = "", const std::string& idem = "") {
    ControlRequest r;
    r.method = method;
    r.path = path;
    if (!token.empty()) r.authorization = "Bearer " + token;
    r.body = body;
    r.idempotency_key = idem;
    r.remote_addr = "127.0.0.1";
    ControlResponse res = api_->Handle(r);
    if (res.text) res.body = nlohmann::json::parse(*res.text);  // a view, sent as it is
    return res;
  }

  std::string LogText() {
    std::fflush(log_file_);
    std::rewind(log_file_);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, log_file_)) > 0) out.append(buf, n);
    return out;
  }

  std::vector<AuditRow> Audit() {
    auto rows = store_->RecentAudit(1000);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<AuditRow>{};
  }

  std::filesystem::path dir_;
  FakeClock clock_{*ParseTimestamp("2026-11-25T12:00:30Z")};
  std::atomic<bool> throws_{false};
  std::unique_ptr<StateStore> store_;
  std::FILE* log_file_ = nullptr;
  std::unique_ptr<Logger> log_;
  std::unique_ptr<ControlApi> api_;
  std::atomic<int> runs_{0};
  std::atomic<int> webhooks_{0};
};

TEST_F(ControlApiTest, EveryRoleAndMethodGetsItsAnswer) {
  struct Case {
    const char* method;
    const char* path;
    std::string token;
    int code;
  };
  const std::string act = R"({"action": "do-it", "layer": "L0"})";
  const Case cases[] = {
      {"GET", "/api/l0/health", "", 401},
      {"GET", "/api/l0/health", "wrong", 401},
      {"GET", "/api/l0/health", kViewerToken, 200},
      {"GET", "/api/l0/health", kOperatorToken, 200},
      {"GET", "/api/l0/health", kWebhookToken, 403},
      {"POST", "/api/l0/health", "", 401},
      {"POST", "/api/l0/health", kViewerToken, 403},
      {"POST", "/api/l0/health", kWebhookToken, 403},
      {"POST", "/api/l0/health", kOperatorToken, 200},
      {"DELETE", "/api/l0/health", kOperatorToken, 405},
      {"GET", "/api/nothing", kOperatorToken, 404},
      {"GET", "/api/alerts/webhook", kWebhookToken, 405},
      {"POST", "/api/alerts/webhook", kViewerToken, 403},
      {"POST", "/api/alerts/webhook", kWebhookToken, 200},
      {"POST", "/api/alerts/webhook", kOperatorToken, 200},
  };
  for (const Case& c : cases) {
    std::string body = std::string(c.path) == "/api/alerts/webhook" ? R"({"alerts": []})" : act;
    ControlResponse r = Call(c.method, c.path, c.token, c.method == std::string("GET") ? "" : body);
    EXPECT_EQ(r.code, c.code) << c.method << " " << c.path << " with "
                              << (c.token.empty() ? "no token" : c.token) << ": " << r.body.dump();
    if (r.code == 401) {
      ASSERT_FALSE(r.headers.empty());
      EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
    }
    if (r.code >= 400) {
      EXPECT_TRUE(r.body.contains("error")) << r.body.dump();
    }
  }
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_EQ(webhooks_.load(), 2);
  EXPECT_EQ(Call("GET", "/api/l0/health", kViewerToken).body, (nlohmann::json{{"view", "l0"}}));
}

TEST_F(ControlApiTest, BadBodiesNameTheField) {
  struct Case {
    std::string body;
    int code;
    std::string field;
    std::string says;
  };
  const Case cases[] = {
      {"{not json", 400, "body", "JSON object"},
      {"[1, 2]", 400, "body", "JSON object"},
      {"{}", 400, "action", "do-it, not-here or flaky"},
      {R"({"action": 7})", 400, "action", "do-it, not-here or flaky"},
      {R"({"action": "explode"})", 400, "action", "do-it, not-here or flaky"},
      {R"({"action": "do-it"})", 400, "layer", "L0 or L1"},
      {R"({"action": "do-it", "layer": "L9"})", 400, "layer", "L0 or L1"},
      {R"({"action": "do-it", "layer": 0})", 400, "layer", "string"},
      {R"({"action": "do-it", "layer": "L0", "since": "soon"})", 400, "since", "duration"},
      {R"({"action": "do-it", "layer": "L0", "colour": "red"})", 400, "colour",
       "layer, since or api_key"},
      {R"({"action": "not-here"})", 501, "action", "give control.actions.not-here a hook"},
  };
  for (const Case& c : cases) {
    ControlResponse r = Call("POST", "/api/l0/health", kOperatorToken, c.body);
    EXPECT_EQ(r.code, c.code) << c.body << ": " << r.body.dump();
    EXPECT_EQ(r.body.value("field", ""), c.field) << c.body;
    EXPECT_NE(r.body.value("error", "").find(c.says), std::string::npos)
        << c.body << ": " << r.body.dump();
  }
  EXPECT_EQ(runs_.load(), 0);
}

TEST_F(ControlApiTest, ABodyOverTheLimitIs413) {
  ControlRequest r;
  r.method = "POST";
  r.path = "/api/l0/health";
  r.authorization = std::string("Bearer ") + kOperatorToken;
  r.body_too_large = true;
  ControlResponse res = api_->Handle(r);
  EXPECT_EQ(res.code, 413);
  EXPECT_EQ(res.body.value("field", ""), "body");
}

TEST_F(ControlApiTest, RateLimitAnswers429WithRetryAfterPerCaller) {
  Install(3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call("GET", "/api/l0/health", kViewerToken).code, 200);
  ControlResponse limited = Call("GET", "/api/l0/health", kViewerToken);
  EXPECT_EQ(limited.code, 429);
  ASSERT_FALSE(limited.headers.empty());
  EXPECT_EQ(limited.headers[0].first, "Retry-After");
  EXPECT_GE(std::stoi(limited.headers[0].second), 1);
  // Another caller has a bucket of its own.
  EXPECT_EQ(Call("GET", "/api/l0/health", kOperatorToken).code, 200);
  // Callers without a valid token share their address's bucket.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Call("GET", "/api/l0/health", "guess-" + std::to_string(i)).code, 401);
  EXPECT_EQ(Call("GET", "/api/l0/health", "guess-4").code, 429);
}

TEST_F(ControlApiTest, AReloadKeepsTheRateLimitBuckets) {
  Install(3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call("GET", "/api/l0/health", kViewerToken).code, 200);
  EXPECT_EQ(Call("GET", "/api/l0/health", kViewerToken).code, 429);
  Install(3);  // what a reload (SIGHUP, /-/reload) does
  EXPECT_EQ(Call("GET", "/api/l0/health", kViewerToken).code, 429);
  Install(5);  // a larger burst does not refill what was used
  EXPECT_EQ(Call("GET", "/api/l0/health", kViewerToken).code, 429);
  EXPECT_EQ(Call("GET", "/api/l0/health", kOperatorToken).code, 200);
}

TEST_F(ControlApiTest, AnIdempotencyKeyActsOnceAndReplays) {
  const std::string body = R"({"action": "do-it", "layer": "L1"})";
  ControlResponse first = Call("POST", "/api/l0/health", kOperatorToken, body, "key-1");
  ControlResponse again = Call("POST", "/api/l0/health", kOperatorToken, body, "key-1");
  EXPECT_EQ(first.code, 200);
  EXPECT_EQ(again.code, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(runs_.load(), 1);
  ASSERT_FALSE(again.headers.empty());
  EXPECT_EQ(again.headers[0].first, "Idempotency-Replayed");
  // The same key for another request is refused; a new key acts.
  EXPECT_EQ(Call("POST", "/api/l0/health", kOperatorToken, R"({"action": "do-it", "layer": "L0"})",
                 "key-1")
                .code,
            422);
  EXPECT_EQ(Call("POST", "/api/l0/health", kOperatorToken, body, "key-2").code, 200);
  EXPECT_EQ(runs_.load(), 2);
  EXPECT_EQ(Call("POST", "/api/l0/health", kOperatorToken, body, "bad key with spaces").code, 400);
  // The replay survives a new API over the same store (a restart).
  api_ = std::make_unique<ControlApi>(*store_, *log_, clock_);
  Install(20);
  EXPECT_EQ(Call("POST", "/api/l0/health", kOperatorToken, body, "key-1").code, 200);
  EXPECT_EQ(runs_.load(), 2);
}

TEST_F(ControlApiTest, EveryCallIsAuditedWithoutSecrets) {
  Call("GET", "/api/l0/health", kViewerToken);
  Call("GET", "/api/l0/health", kPlanted);
  Call("POST", "/api/l0/health", kOperatorToken,
       std::string(R"({"action": "do-it", "layer": "L0", "api_key": ")") + kPlanted + "\"}");
  Call("POST", "/api/l0/health", kViewerToken, R"({"action": "do-it", "layer": "L0"})");
  std::vector<AuditRow> rows = Audit();
  ASSERT_EQ(rows.size(), 4u);
  // Newest first.
  EXPECT_EQ(rows[0].caller, "alice");
  EXPECT_EQ(rows[0].code, 403);
  EXPECT_EQ(rows[1].caller, "ops");
  EXPECT_EQ(rows[1].action, "do-it");
  EXPECT_EQ(rows[1].code, 200);
  EXPECT_EQ(rows[1].result, "did it");
  EXPECT_NE(rows[1].params.find("<redacted>"), std::string::npos) << rows[1].params;
  EXPECT_EQ(rows[2].caller, "");
  EXPECT_EQ(rows[2].code, 401);
  EXPECT_EQ(rows[2].result, "invalid token");
  EXPECT_EQ(rows[3].endpoint, "/api/l0/health");
  EXPECT_EQ(rows[3].address, "127.0.0.1");
  for (const AuditRow& r : rows) EXPECT_EQ(r.params.find(kPlanted), std::string::npos) << r.params;
  const std::string log = LogText();
  EXPECT_EQ(log.find(kPlanted), std::string::npos) << log;
  EXPECT_EQ(log.find(kOperatorToken), std::string::npos) << log;
  EXPECT_NE(log.find("msg=\"control request\""), std::string::npos) << log;
}

TEST_F(ControlApiTest, BasicAuthUsersGetTheirConfiguredRole) {
  ControlRequest r;
  r.method = "POST";
  r.path = "/api/l0/health";
  r.authorization = "Basic Y2Fyb2w6cHc=";
  r.basic_user = "carol";  // verified by the server against the web config
  r.body = R"({"action": "do-it", "layer": "L0"})";
  ControlResponse res = api_->Handle(r);
  EXPECT_EQ(res.code, 200) << res.body.dump();
  EXPECT_EQ(res.body["by"], "basic:carol");
  r.basic_user = "dave";  // a web config user without a role here
  EXPECT_EQ(api_->Handle(r).code, 401);
}

TEST_F(ControlApiTest, RequestsAreCountedByEndpointMethodAndCode) {
  Call("GET", "/api/l0/health", kViewerToken);
  Call("GET", "/api/l0/health", kViewerToken);
  Call("GET", "/secret/path/" + std::string(kPlanted), kViewerToken);
  auto counts = api_->Requests();
  EXPECT_EQ((counts[{"/api/l0/health", "GET", 200}]), 2u);
  EXPECT_EQ((counts[{"other", "GET", 404}]), 1u);
  EXPECT_EQ(counts.size(), 2u);
}

TEST_F(ControlApiTest, AThrowingActionReleasesItsIdempotencyKeyAndItsRetryRuns) {
  throws_ = true;
  const std::string body = R"({"action": "flaky"})";
  EXPECT_EQ(Call("POST", "/api/l0/health", kOperatorToken, body, "key-9").code, 500);
  ControlResponse retry = Call("POST", "/api/l0/health", kOperatorToken, body, "key-9");
  EXPECT_EQ(retry.code, 200) << retry.body.dump();  // not 409 "still being carried out"
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_EQ(Call("POST", "/api/l0/health", kOperatorToken, body, "key-9").code, 200);  // replayed
  EXPECT_EQ(runs_.load(), 1);
}

TEST_F(ControlApiTest, JsonNestedDeeperThan32LevelsIsRefusedBeforeItIsWalked) {
  auto nested = [](int depth) {
    return R"({"action": "do-it", "layer": "L0", "since": )" + std::string(depth - 1, '[') +
           std::string(depth - 1, ']') + "}";
  };
  ControlResponse ok_depth = Call("POST", "/api/l0/health", kOperatorToken, nested(32));
  EXPECT_EQ(ok_depth.body.value("field", ""), "since")
      << "32 levels parse; the field is then checked";
  ControlResponse deep = Call("POST", "/api/l0/health", kOperatorToken, nested(33));
  EXPECT_EQ(deep.code, 400);
  EXPECT_EQ(deep.body.value("field", ""), "body");
  EXPECT_NE(deep.body.value("error", "").find("deeper than 32"), std::string::npos)
      << deep.body.dump();
  // 64 KiB of nesting, as the attack sent it (it overflowed the stack): refused, and the webhook
  // too.
  const std::string attack = std::string(32 * 1024, '[') + std::string(32 * 1024 - 1, ']');
  EXPECT_EQ(Call("POST", "/api/l0/health", kOperatorToken, attack).code, 400);
  EXPECT_EQ(
      Call("POST", "/api/alerts/webhook", kWebhookToken, R"({"alerts": )" + attack + "}").code,
      400);
  EXPECT_EQ(webhooks_.load(), 0);
}

TEST_F(ControlApiTest, TheRateLimitComesBeforeTheEndpointAndTheToken) {
  Install(3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call("GET", "/no/such/" + std::to_string(i), "").code, 404);
  EXPECT_EQ(Call("GET", "/no/such/3", "").code, 429);
  EXPECT_EQ(Call("GET", "/api/l0/health", "").code, 429);
  EXPECT_EQ(Call("GET", "/api/l0/health", kViewerToken).code, 200)
      << "a token has a bucket of its own";
}

TEST_F(ControlApiTest, RefusalsOfCallersWithoutATokenAreAuditedAsCountsPerMinute) {
  Install(1000);
  for (int i = 0; i < 300; ++i) Call("GET", "/no/such/" + std::to_string(i), "");
  for (int i = 0; i < 200; ++i) Call("GET", "/api/l0/health", "guess-" + std::to_string(i));
  Call("GET", "/api/l0/health", kViewerToken);
  std::vector<AuditRow> rows = Audit();
  ASSERT_EQ(rows.size(), 3u)
      << "one row per (caller, address, method, endpoint, code) and minute, and the viewer's";
  EXPECT_EQ(rows[1].code, 401);
  EXPECT_EQ(rows[1].count, 1) << "the count is written off the request path";
  api_->Housekeep();
  rows = Audit();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].code, 404);
  EXPECT_EQ(rows[2].endpoint, "/no/such/0") << "the first request's path";
  EXPECT_EQ(rows[2].count, 300);
  EXPECT_EQ(rows[1].count, 200);
  EXPECT_EQ(rows[0].caller, "alice");
  EXPECT_EQ(rows[0].count, 1);
  // The next minute starts new rows; the minute that ended is logged once with its count.
  clock_.Set(*ParseTimestamp("2026-11-25T12:01:05Z"));
  Call("GET", "/api/l0/health", "");
  api_->Housekeep();
  EXPECT_EQ(Audit().size(), 4u);
  const std::string log = LogText();
  EXPECT_NE(log.find("msg=\"control requests refused\""), std::string::npos) << log;
  EXPECT_NE(log.find("count=300"), std::string::npos) << log;
  // Every request is still counted in the metric.
  auto counts = api_->Requests();
  EXPECT_EQ((counts[{"other", "GET", 404}]), 300u);
  EXPECT_EQ((counts[{"/api/l0/health", "GET", 401}]), 201u);
}

TEST_F(ControlApiTest, RateLimitedCallsWithATokenAreCountedToo) {
  Install(2);
  for (int i = 0; i < 50; ++i) Call("GET", "/api/l0/health", kViewerToken);
  api_->Housekeep(true);
  std::vector<AuditRow> rows = Audit();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].code, 429);
  EXPECT_EQ(rows[0].caller, "alice");
  EXPECT_EQ(rows[0].count, 48);
}

TEST_F(ControlApiTest, HousekeepingDeletesAuditRowsOlderThanTheRetention) {
  AuditRow old;
  old.time = clock_.Now() - std::chrono::hours(24 * 91);
  old.caller = "ops";
  old.code = 200;
  ASSERT_TRUE(store_->AppendAudit(old).ok());
  AuditRow recent = old;
  recent.time = clock_.Now() - std::chrono::hours(24 * 89);
  ASSERT_TRUE(store_->AppendAudit(recent).ok());
  api_->Housekeep();
  std::vector<AuditRow> rows = Audit();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].time, recent.time);
  EXPECT_NE(LogText().find("msg=\"deleted old audit rows\" rows=1"), std::string::npos)
      << LogText();
}

// The status page's files, served without a token but through the address's bucket.
ControlRequest PageRequest(const std::string& method, const std::string& path) {
  ControlRequest r;
  r.method = method;
  r.path = path;
  r.remote_addr = "127.0.0.1";
  return r;
}

std::string HeaderOf(const ControlResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

TEST_F(ControlApiTest, ThePageFilesAreServedWithEtagsAndCountedUnderPage) {
  ControlResponse login = api_->Handle(PageRequest("GET", "/login"));
  EXPECT_EQ(login.code, 200);
  EXPECT_EQ(login.content_type, "text/html; charset=utf-8");
  ASSERT_TRUE(login.text);
  EXPECT_EQ(*login.text, *FindWebAsset("/login")->body);
  EXPECT_EQ(HeaderOf(login, "Cache-Control"), "no-cache");
  const std::string etag = HeaderOf(login, "ETag");
  EXPECT_EQ(etag, FindWebAsset("/login")->etag);
  ControlRequest again = PageRequest("GET", "/login");
  again.if_none_match = etag;
  ControlResponse not_modified = api_->Handle(again);
  EXPECT_EQ(not_modified.code, 304);
  EXPECT_TRUE(not_modified.text && not_modified.text->empty());
  ControlResponse js = api_->Handle(PageRequest("GET", "/assets/app.js"));
  EXPECT_EQ(js.code, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(api_->Handle(PageRequest("GET", "/assets/nope.js")).code, 404);
  ControlResponse post = api_->Handle(PageRequest("POST", "/login"));
  EXPECT_EQ(post.code, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, HEAD");
  auto counts = api_->Requests();
  EXPECT_EQ((counts[{"page", "GET", 200}]), 2u);
  EXPECT_EQ((counts[{"page", "GET", 304}]), 1u);
  EXPECT_EQ((counts[{"page", "GET", 404}]), 1u);
  EXPECT_EQ((counts[{"page", "POST", 405}]), 1u);
  EXPECT_TRUE(Audit().empty()) << "the page's files are not audited";
}

TEST_F(ControlApiTest, ThePageWithoutACallerRedirectsToTheLogin) {
  ControlResponse r = api_->Handle(PageRequest("GET", "/"));
  EXPECT_EQ(r.code, 303);
  EXPECT_EQ(HeaderOf(r, "Location"), "/login");
  ControlRequest basic = PageRequest("GET", "/");
  basic.basic_user = "carol";
  ControlResponse page = api_->Handle(basic);
  EXPECT_EQ(page.code, 200);
  EXPECT_EQ(*page.text, *FindWebAsset("/")->body);
  basic.basic_user = "dave";  // no role here
  EXPECT_EQ(api_->Handle(basic).code, 303);
}

TEST_F(ControlApiTest, ThePageFilesGoThroughTheAddressBucket) {
  Install(3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(api_->Handle(PageRequest("GET", "/login")).code, 200);
  ControlResponse limited = api_->Handle(PageRequest("GET", "/assets/style.css"));
  EXPECT_EQ(limited.code, 429);
  EXPECT_FALSE(HeaderOf(limited, "Retry-After").empty());
  EXPECT_EQ(Call("GET", "/api/l0/health", "").code, 429)
      << "the API's callers without a token share the bucket";
}

// The status page's login: a token for a session cookie, the CSRF token, logout, revocation.
class SessionApiTest : public ControlApiTest {
 protected:
  ControlRequest Login(const std::string& token) {
    ControlRequest r;
    r.method = "POST";
    r.path = "/api/session";
    r.remote_addr = "127.0.0.1";
    r.content_type = "application/json";
    r.body = nlohmann::json{{"token", token}}.dump();
    r.host = "127.0.0.1:9812";
    r.origin = "http://127.0.0.1:9812";
    return r;
  }
  // Logs in; the cookie's session id.
  std::string SessionOf(const std::string& token) {
    ControlResponse res = api_->Handle(Login(token));
    EXPECT_EQ(res.code, 200) << res.body.dump();
    const std::string cookie = HeaderOf(res, "Set-Cookie");
    const size_t eq = cookie.find('='), semi = cookie.find(';');
    return cookie.substr(eq + 1, semi - eq - 1);
  }
  ControlResponse WithSession(const std::string& method, const std::string& path,
                              const std::string& id, const std::string& csrf = "",
                              const std::string& body = "") {
    ControlRequest r;
    r.method = method;
    r.path = path;
    r.remote_addr = "127.0.0.1";
    r.session_id = id;
    r.csrf_token = csrf;
    r.body = body;
    r.from_browser = true;
    ControlResponse res = api_->Handle(r);
    if (res.text && !res.text->empty() && res.content_type.empty())
      res.body = nlohmann::json::parse(*res.text);
    return res;
  }
};

TEST_F(SessionApiTest, ALoginSetsTheCookieAndAnswersTheCallerAndCsrfToken) {
  ControlResponse res = api_->Handle(Login(kOperatorToken));
  ASSERT_EQ(res.code, 200) << res.body.dump();
  EXPECT_EQ(res.body["caller"], "ops");
  EXPECT_EQ(res.body["role"], "operator");
  EXPECT_EQ(res.body["csrf_token"].get<std::string>().size(), 64u);
  EXPECT_EQ(res.body["expires_at"].get<std::int64_t>(),
            static_cast<std::int64_t>(ToUnixSeconds(clock_.Now())) + 8 * 3600);
  EXPECT_THAT(HeaderOf(res, "Set-Cookie"),
              ::testing::MatchesRegex(
                  "usdcop_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800"));
  ControlRequest tls = Login(kViewerToken);
  tls.tls = true;
  tls.origin = "https://127.0.0.1:9812";
  EXPECT_THAT(HeaderOf(api_->Handle(tls), "Set-Cookie"),
              ::testing::MatchesRegex(
                  "__Host-usdcop_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; "
                  "Max-Age=28800; Secure"));
  std::vector<AuditRow> rows = Audit();
  ASSERT_EQ(rows.size(), 2u);
  for (const AuditRow& row : rows) {
    EXPECT_EQ(row.endpoint, "/api/session");
    EXPECT_EQ(row.action, "login");
    EXPECT_EQ(row.code, 200);
    EXPECT_EQ(row.params.find(kOperatorToken), std::string::npos);
  }
}

TEST_F(SessionApiTest, ALoginIsRefusedForAWrongTokenAWebhookTokenAForeignOriginOrNotJson) {
  ControlResponse wrong = api_->Handle(Login("not-a-token"));
  EXPECT_EQ(wrong.code, 401);
  EXPECT_EQ(wrong.body["field"], "token");
  EXPECT_EQ(HeaderOf(wrong, "Set-Cookie"), "");
  EXPECT_EQ(api_->Handle(Login(kWebhookToken)).code, 403);
  ControlRequest foreign = Login(kViewerToken);
  foreign.origin = "http://evil.example";
  ControlResponse refused = api_->Handle(foreign);
  EXPECT_EQ(refused.code, 403);
  EXPECT_EQ(refused.body["field"], "Origin");
  ControlRequest form = Login(kViewerToken);
  form.content_type = "application/x-www-form-urlencoded";
  EXPECT_EQ(api_->Handle(form).code, 415);
  ControlRequest big = Login(std::string(5000, 'x'));
  EXPECT_EQ(api_->Handle(big).code, 413);
  ControlRequest no_origin = Login(kViewerToken);
  no_origin.origin.clear();  // curl
  EXPECT_EQ(api_->Handle(no_origin).code, 200);
  bool audited = false;
  for (const AuditRow& row : Audit())
    if (row.code == 401 && row.endpoint == "/api/session" && row.action == "login" &&
        row.caller.empty())
      audited = row.result == "invalid token";
  EXPECT_TRUE(audited) << "a refused login is audited";
}

TEST_F(SessionApiTest, ASessionReadsViewsAndActsOnlyWithItsCsrfToken) {
  const std::string id = SessionOf(kOperatorToken);
  ControlResponse me = WithSession("GET", "/api/session", id);
  ASSERT_EQ(me.code, 200);
  const std::string csrf = me.body["csrf_token"];
  EXPECT_EQ(WithSession("GET", "/api/l0/health", id).code, 200);
  const std::string action = R"({"action": "do-it", "layer": "L0"})";
  ControlResponse missing = WithSession("POST", "/api/l0/health", id, "", action);
  EXPECT_EQ(missing.code, 403);
  EXPECT_EQ(missing.body["field"], "X-CSRF-Token");
  EXPECT_EQ(WithSession("POST", "/api/l0/health", id, std::string(64, '0'), action).code, 403);
  EXPECT_EQ(runs_, 0);
  ControlResponse done = WithSession("POST", "/api/l0/health", id, csrf, action);
  EXPECT_EQ(done.code, 200) << done.body.dump();
  EXPECT_EQ(done.body["by"], "ops");
  bool csrf_audited = false;
  for (const AuditRow& row : Audit())
    csrf_audited = csrf_audited || (row.code == 403 && row.result == "csrf");
  EXPECT_TRUE(csrf_audited);
  // Another id: its first character changed (one that starts with "f" made this id itself).
  const std::string unknown = (id[0] == 'f' ? "e" : "f") + id.substr(1);
  EXPECT_EQ(WithSession("GET", "/api/l0/health", unknown).code, 401)
      << "an unknown session is none";
  ControlRequest page = PageRequest("GET", "/");
  page.session_id = id;
  EXPECT_EQ(api_->Handle(page).code, 200);
}

TEST_F(SessionApiTest, BasicAuthFromABrowserNeedsItsCsrfTokenAndCurlDoesNot) {
  ControlRequest r;
  r.method = "GET";
  r.path = "/api/session";
  r.basic_user = "carol";
  r.remote_addr = "127.0.0.1";
  ControlResponse me = api_->Handle(r);
  ASSERT_EQ(me.code, 200);
  EXPECT_EQ(me.body["caller"], "basic:carol");
  EXPECT_TRUE(me.body["expires_at"].is_null());
  const std::string csrf = me.body["csrf_token"];
  EXPECT_EQ(csrf.size(), 64u);
  r.method = "POST";
  r.path = "/api/l0/health";
  r.body = R"({"action": "do-it", "layer": "L0"})";
  EXPECT_EQ(api_->Handle(r).code, 200) << "no Origin, no Sec-Fetch-Site: not a browser";
  r.from_browser = true;
  EXPECT_EQ(api_->Handle(r).code, 403);
  r.csrf_token = csrf;
  EXPECT_EQ(api_->Handle(r).code, 200);
  ControlResponse bearer = Call("GET", "/api/session", kViewerToken);
  EXPECT_EQ(bearer.code, 200);
  EXPECT_TRUE(bearer.body["csrf_token"].is_null());
  EXPECT_TRUE(bearer.body["expires_at"].is_null());
}

TEST_F(SessionApiTest, LogoutNeedsTheCsrfTokenAndClearsTheCookie) {
  const std::string id = SessionOf(kViewerToken);
  const std::string csrf = WithSession("GET", "/api/session", id).body["csrf_token"];
  EXPECT_EQ(WithSession("DELETE", "/api/session", id).code, 403);
  ControlResponse out = WithSession("DELETE", "/api/session", id, csrf);
  EXPECT_EQ(out.code, 204);
  EXPECT_EQ(HeaderOf(out, "Set-Cookie"),
            "usdcop_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  EXPECT_EQ(WithSession("GET", "/api/session", id).code, 401);
  EXPECT_EQ(WithSession("DELETE", "/api/session", id, csrf).code, 401);
  bool audited = false;
  for (const AuditRow& row : Audit())
    audited = audited || (row.action == "logout" && row.code == 204);
  EXPECT_TRUE(audited);
}

TEST_F(SessionApiTest, ASessionExpiresAndAReloadWithoutItsTokenRevokesIt) {
  const std::string viewer = SessionOf(kViewerToken);
  const std::string ops = SessionOf(kOperatorToken);
  clock_.Advance(std::chrono::hours(8) - std::chrono::seconds(1));
  EXPECT_EQ(WithSession("GET", "/api/session", viewer).code, 200);
  auto setup = std::make_shared<ControlSetup>();
  setup->tokens = {{"ops", RawSha256(kOperatorToken), ControlRole::kOperator}};
  setup->endpoints = {
      {"/api/l0/health", [] { return std::make_shared<const std::string>("{}"); }, {}}};
  api_->Install(setup);
  EXPECT_EQ(WithSession("GET", "/api/session", viewer).code, 401) << "alice's token is gone";
  EXPECT_EQ(WithSession("GET", "/api/session", ops).code, 200);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(WithSession("GET", "/api/session", ops).code, 401) << "8 h after the login";
}

TEST(AuditParamsTest, RedactsSecretLookingFieldsAndCutsLongTexts) {
  nlohmann::json p = {{"password", "x"},
                      {"bearer_token", "y"},
                      {"nested", {{"apiKey", "z"}}},
                      {"comment", std::string(500, 'a')},
                      {"key_id", "primary"}};
  nlohmann::json out = AuditParams(p);
  EXPECT_EQ(out["password"], "<redacted>");
  EXPECT_EQ(out["bearer_token"], "<redacted>");
  EXPECT_EQ(out["nested"]["apiKey"], "<redacted>");
  EXPECT_EQ(out["key_id"], "primary");
  EXPECT_EQ(out["comment"].get<std::string>().size(), 203u);
}

TEST(ReadPostBodyTest, ReadsTheActionAndItsNormalisedFieldsOrSaysWhyNot) {
  const EndpointSpec ep{"/api/pipeline/health",
                        nullptr,
                        {{"restart-component",
                          {{"layer", ParamSpec::Kind::kString, true, {"L0"}, 256, {"component"}},
                           {"api_key", ParamSpec::Kind::kString}},
                          true,
                          nullptr,
                          ""}},
                        nullptr};
  PostBody ok =
      ReadPostBody(ep, R"({"action": "restart-component", "component": "l0", "api_key": "k"})");
  ASSERT_FALSE(ok.refusal) << ok.refusal->body.dump();
  ASSERT_EQ(ok.action, &ep.actions[0]);
  EXPECT_EQ(ok.action_name, "restart-component");
  EXPECT_EQ(ok.params, nlohmann::json({{"layer", "L0"}, {"api_key", "k"}}));
  EXPECT_EQ(ok.audit_params, nlohmann::json({{"component", "l0"}, {"api_key", "<redacted>"}}));

  const std::pair<std::string, std::string> refused[] = {
      {std::string(40, '[') + std::string(40, ']'), "JSON too deep"},
      {"[]", "malformed JSON"},
      {"{\"action\": ", "malformed JSON"},
      {R"({"layer": "L0"})", "no action"},
      {R"({"action": 1})", "no action"},
      {R"({"action": "reboot"})", "unknown action"},
      {R"({"action": "restart-component", "layer": "L9"})", "bad field layer"},
      {R"({"action": "restart-component"})", "bad field layer"},
  };
  for (const auto& [text, why] : refused) {
    PostBody bad = ReadPostBody(ep, text);
    ASSERT_TRUE(bad.refusal) << text;
    EXPECT_EQ(bad.refusal->code, 400) << text;
    EXPECT_EQ(bad.refused, why) << text;
  }
  EXPECT_EQ(ReadPostBody(ep, R"({"action": ")" + std::string(100, 'x') + R"("})").action_name,
            std::string(64, 'x'));

  const EndpointSpec webhook{
      "/api/alerts/webhook", nullptr, {}, [](const Caller&, const nlohmann::json&) {
        return ActionResult{};
      }};
  PostBody payload = ReadPostBody(webhook, R"({"alerts": []})");
  ASSERT_FALSE(payload.refusal);
  EXPECT_EQ(payload.body, nlohmann::json({{"alerts", nlohmann::json::array()}}));
  EXPECT_FALSE(payload.action);
}

}  // namespace
}  // namespace usdcop
