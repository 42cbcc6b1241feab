// CheckParams: the fields of an action, their aliases and the normalised body the action sees.
#include "control/params.h"

#include <gtest/gtest.h>

namespace usdcop {
namespace {

using nlohmann::json;
using Kind = ParamSpec::Kind;

// The shapes of the real table: a layer also called component, an alert named by alertId.
const std::vector<ParamSpec> kLayer = {
    {"layer", Kind::kString, true, {"L0", "L1"}, 256, {"component"}}, {"since", Kind::kDuration}};
const std::vector<ParamSpec> kAlert = {
    {"fingerprint", Kind::kString, false, {}, 256, {"alertId"}, "[0-9a-f]{16}", "16 hex digits"},
    {"alertname", Kind::kString, false, {}, 256, {"alertId"}},
    {"user", Kind::kString}};

// The body after the check, or the 400's {"error", "field"}.
json Checked(json params, const std::vector<ParamSpec>& specs) {
  if (auto bad = CheckParams(params, specs)) {
    EXPECT_EQ(bad->code, 400);
    return bad->body;
  }
  return params;
}

TEST(CheckParamsTest, AnAliasIsRenamedAndAnAllowedValueTakesItsListedSpelling) {
  EXPECT_EQ(Checked({{"component", "l0"}}, kLayer), (json{{"layer", "L0"}}));
  EXPECT_EQ(Checked({{"layer", "l1"}, {"since", "2h"}}, kLayer),
            (json{{"layer", "L1"}, {"since", "2h"}}));
  EXPECT_EQ(Checked({{"layer", "L0"}}, kLayer), (json{{"layer", "L0"}}));
}

TEST(CheckParamsTest, AnAliasOfTwoFieldsGoesToTheFirstWhosePatternItFits) {
  EXPECT_EQ(Checked({{"alertId", "alert-123"}, {"user", "admin"}}, kAlert),
            (json{{"alertname", "alert-123"}, {"user", "admin"}}));
  EXPECT_EQ(Checked({{"alertId", "1a2b3c4d5e6f7081"}}, kAlert),
            (json{{"fingerprint", "1a2b3c4d5e6f7081"}}));
}

TEST(CheckParamsTest, BothNamesOfOneFieldAre400NamingBoth) {
  json both = Checked({{"layer", "L0"}, {"component", "L0"}}, kLayer);
  EXPECT_EQ(both["field"], "layer");
  EXPECT_NE(both["error"].get<std::string>().find("component or layer, not both"),
            std::string::npos)
      << both;
  json twice = Checked({{"alertId", "HighLatency"}, {"alertname", "HighLatency"}}, kAlert);
  EXPECT_EQ(twice["field"], "alertname");
  EXPECT_NE(twice["error"].get<std::string>().find("alertId or alertname"), std::string::npos)
      << twice;
}

TEST(CheckParamsTest, ProblemsNameTheFieldAsTheRequestGaveIt) {
  json bad = Checked({{"component", "l9"}}, kLayer);
  EXPECT_EQ(bad["field"], "component");
  EXPECT_EQ(bad["error"], "must be L0 or L1");
  json typo = Checked({{"layr", "L0"}}, kLayer);
  EXPECT_EQ(typo["field"], "layr");
  EXPECT_EQ(typo["error"], "unknown field; this action takes layer (or component) or since");
  json missing = Checked(json::object(), kLayer);
  EXPECT_EQ(missing["field"], "layer");
  EXPECT_EQ(missing["error"], "is required: one of L0 or L1");
  json not_hex = Checked({{"fingerprint", "alert-123"}}, kAlert);
  EXPECT_EQ(not_hex["field"], "fingerprint");
  EXPECT_EQ(not_hex["error"], "must be 16 hex digits");
  EXPECT_EQ(Checked({{"since", "soon"}, {"layer", "L0"}}, kLayer)["field"], "since");
  EXPECT_EQ(Checked({{"user", ""}}, kAlert)["error"], "must be 1 to 256 characters");
}

TEST(CheckParamsTest, AnActionWithoutFieldsRefusesAny) {
  json bad = Checked({{"layer", "L0"}}, {});
  EXPECT_EQ(bad["field"], "layer");
  EXPECT_EQ(bad["error"], "this action takes no fields besides action");
  EXPECT_EQ(Checked(json::object(), {}), json::object());
}

}  // namespace
}  // namespace usdcop
