// probes/vendor_api/vendor_api_metrics.cpp: the vendor_api probe's metrics, and its golden file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/golden.h"
#include "support/render_text.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(VendorApiMetricsTest, UsagePerPeriodAndConfigMetricsPerKey) {
  VendorApiResult r{
      "twelvedata",
      {{"primary", true, 1768003200, 1799539200, {{"minute", 6, 8}, {"day", 780, 800}}},
       {"backup", false, 1772323200, std::nullopt, {}}}};
  std::string text = RenderText(r);
  const std::string p = "provider=\"twelvedata\",key_id=\"primary\"";
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_calls_used{" + p + ",period=\"minute\"} 6\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_calls_limit{" + p + ",period=\"day\"} 800\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_usage_ratio{" + p + ",period=\"minute\"} 0.75\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_usage_ratio{" + p + ",period=\"day\"} 0.975\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_key_active{" + p + "} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("usdcop_vendor_api_key_expiry_timestamp_seconds{" + p + "} 1799539200\n"));
  const std::string b = "provider=\"twelvedata\",key_id=\"backup\"";
  EXPECT_THAT(text, HasSubstr("usdcop_vendor_api_key_active{" + b + "} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("usdcop_vendor_api_key_created_timestamp_seconds{" + b + "} 1772323200\n"));
  EXPECT_THAT(text, Not(HasSubstr("usdcop_vendor_api_key_expiry_timestamp_seconds{" + b)));
  EXPECT_THAT(text,
              Not(HasSubstr("key_id=\"backup\",period")));  // no usage this run: no usage series
}

// -- The golden file: fixtures/vendor_api.prom (support/golden.h)
// ---------------------------------------

// The active key with an expiry and both periods' usage; the backup key without an expiry,
// its day's limit unknown (0: no ratio).
VendorApiResult GoldenVendorApi() {
  VendorKeyResult primary;
  primary.key_id = "primary";
  primary.active = true;
  primary.created = 1768003200;
  primary.expiry = 1799539200;
  primary.usage = {{"minute", 5, 8}, {"day", 648, 800}};
  VendorKeyResult backup;
  backup.key_id = "backup";
  backup.created = 1770681600;
  backup.usage = {{"day", 12, 0}};
  VendorApiResult r;
  r.provider = "twelvedata";
  r.keys = {primary, backup};
  return r;
}

const Golden kVendorApiGolden{"vendor_api", [] { return RenderText(GoldenVendorApi()); }};
[[maybe_unused]] const bool kVendorApiGoldenRegistered = RegisterGolden(kVendorApiGolden);

TEST(VendorApiMetricsTest, MatchesItsGoldenFileAndTheContract) { ExpectGolden(kVendorApiGolden); }

}  // namespace
}  // namespace usdcop
