#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/render_text.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(VendorApiMetricsTest, UsagePerPeriodAndConfigMetricsPerKey) {
  VendorApiResult r{"twelvedata",
                    {{"primary", true, 1768003200, 1799539200, {{"minute", 6, 8}, {"day", 780, 800}}},
                     {"backup", false, 1772323200, std::nullopt, {}}}};
  std::string text = RenderText(r);
  const std::string p = "provider=\"twelvedata\",key_id=\"primary\"";
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_calls_used{" + p + ",period=\"minute\"} 6\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_calls_limit{" + p + ",period=\"day\"} 800\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_usage_ratio{" + p + ",period=\"minute\"} 0.75\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_usage_ratio{" + p + ",period=\"day\"} 0.975\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_key_active{" + p + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_key_expiry_timestamp_seconds{" + p + "} 1799539200\n"));
  const std::string b = "provider=\"twelvedata\",key_id=\"backup\"";
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_key_active{" + b + "} 0\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_key_created_timestamp_seconds{" + b + "} 1772323200\n"));
  EXPECT_THAT(text, Not(HasSubstr("usdcop_vendor_api_key_expiry_timestamp_seconds{" + b)));
  EXPECT_THAT(text, Not(HasSubstr("key_id=\"backup\",period")));  // no usage this run: no usage series
}

}  // namespace
}  // namespace usdcop
