// actions/peer_result.cpp: how an action reports a peer that failed it.
#include "actions/peer_result.h"

#include <gtest/gtest.h>

namespace usdcop {
namespace {

using nlohmann::json;

TEST(PeerFailure, ADeadlineOrACancellationIs504AnythingElse502) {
  EXPECT_EQ(PeerFailure("Airflow", "x", Status(Reason::kTimeout, "t")).code, 504);
  EXPECT_EQ(PeerFailure("Airflow", "x", Status(Reason::kCancelled, "c")).code, 504);
  EXPECT_EQ(PeerFailure("Airflow", "x", Status(Reason::kConnect, "refused")).code, 502);
  EXPECT_EQ(PeerFailure("Airflow", "x", Status(Reason::kTls, "bad cert")).code, 502);
  const ActionResult r =
      PeerFailure("Airflow", "trigger d", Status(Reason::kConnect, "connection refused"));
  EXPECT_EQ(r.body, json({{"error", "Airflow: trigger d failed: connection refused"},
                          {"field", "action"}}));
  EXPECT_EQ(r.summary, "Airflow: trigger d failed: connection refused");
}

TEST(TextIn, IsTheTextAtTheKeyOrEmptyWhateverElseTheAnswerHolds) {
  EXPECT_EQ(TextIn(json{{"silenceID", "s1"}}, "silenceID"), "s1");
  EXPECT_EQ(TextIn(json{{"silenceID", 7}}, "silenceID"), "");
  EXPECT_EQ(TextIn(json{{"silenceID", nullptr}}, "silenceID"), "");
  EXPECT_EQ(TextIn(json::object(), "silenceID"), "");
  EXPECT_EQ(TextIn(json::array({"silenceID"}), "silenceID"), "");
  EXPECT_EQ(TextIn(json("silenceID"), "silenceID"), "");
}

TEST(PeerRefused, QuotesTheFirstTextFieldOfAJsonAnswer) {
  const ActionResult detail =
      PeerRefused("Airflow", "trigger d", {409, R"({"title": "T", "detail": "DAG is paused"})"});
  EXPECT_EQ(detail.code, 502);
  EXPECT_EQ(detail.body["error"], "Airflow answered HTTP 409 to trigger d: DAG is paused");
  EXPECT_EQ(detail.body["peer_status"], 409);
  EXPECT_EQ(detail.body["field"], "action");
  EXPECT_EQ(
      PeerRefused("P", "w", {400, R"({"error": "bad matcher", "message": "m"})"}).body["error"],
      "P answered HTTP 400 to w: bad matcher");
  EXPECT_EQ(PeerRefused("P", "w", {400, R"({"message": "m"})"}).body["error"],
            "P answered HTTP 400 to w: m");
  EXPECT_EQ(PeerRefused("P", "w", {400, R"({"detail": 7, "title": "Bad Request"})"}).body["error"],
            "P answered HTTP 400 to w: Bad Request")
      << "a field that is not text is passed over";
}

TEST(PeerRefused, OtherwiseQuotesTheBodyCutTo200PrintableCharacters) {
  EXPECT_EQ(PeerRefused("P", "w", {503, ""}).body["error"], "P answered HTTP 503 to w");
  EXPECT_EQ(PeerRefused("P", "w", {500, "line one\nline\ttwo\r"}).body["error"],
            "P answered HTTP 500 to w: line one line two ");
  const std::string quoted =
      PeerRefused("P", "w", {500, std::string(300, 'x')}).body["error"].get<std::string>();
  EXPECT_EQ(quoted, "P answered HTTP 500 to w: " + std::string(200, 'x') + "...");
  EXPECT_EQ(
      PeerRefused("P", "w", {500, R"({"detail": ")" + std::string(250, 'y') + R"("})"}).summary,
      "P answered HTTP 500 to w: " + std::string(200, 'y') + "...");
}

}  // namespace
}  // namespace usdcop
