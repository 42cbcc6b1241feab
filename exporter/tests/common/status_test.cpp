#include "common/status.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace usdcop {
namespace {

TEST(Reason, EveryReasonHasADistinctLabelValue) {
  std::set<std::string> names;
  for (Reason r : kAllReasons) {
    std::string name(ReasonName(r));
    EXPECT_TRUE(std::regex_match(name, std::regex("[a-z_]+"))) << name;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(names.size(), kAllReasons.size());
  EXPECT_EQ(ReasonName(Reason::kHttpStatus), "http_status");
}

TEST(Status, CarriesReasonAndMessage) {
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::Ok().ToString(), "ok");
  Status s(Reason::kTimeout, "took too long");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "timeout: took too long");
  Result<int> r = Status(Reason::kParse, "no");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kParse);
  Result<int> v = 5;
  EXPECT_EQ(*v, 5);
}

}  // namespace
}  // namespace usdcop
