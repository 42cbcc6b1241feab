// probes/vendor_api/vendor_api_view.cpp: the vendor's keys and their usage as the control API shows
// them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "probes/vendor_api/vendor_api_kind.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kNow = 1'700'000'000;

TEST(VendorApiViewTest, EachKeyWithItsAgeExpiryAndUsageRatios) {
  VendorApiResult r;
  r.provider = "twelvedata";
  r.keys = {VendorKeyResult{.key_id = "primary",
                            .active = true,
                            .created = kNow - 86400 * 10,
                            .expiry = kNow + 86400 * 5,
                            .usage = {{"day", 200, 800}, {"minute", 3, 0}}},
            VendorKeyResult{.key_id = "backup", .created = kNow - 86400}};
  const json v = VendorApiKind::View(r, kNow);
  EXPECT_EQ(v["provider"], "twelvedata");
  ASSERT_EQ(v["keys"].size(), 2u);
  EXPECT_EQ(v["keys"][0], json({{"key_id", "primary"},
                                {"active", true},
                                {"created", kNow - 86400 * 10},
                                {"age_days", 10},
                                {"expires", kNow + 86400 * 5},
                                {"days_to_expiry", 5},
                                {"usage",
                                 {{"day", {{"used", 200}, {"limit", 800}, {"ratio", 0.25}}},
                                  {"minute", {{"used", 3}, {"limit", 0}, {"ratio", nullptr}}}}}}))
      << "no ratio without a known limit";
  EXPECT_EQ(v["keys"][1]["active"], false);
  EXPECT_TRUE(v["keys"][1]["expires"].is_null());
  EXPECT_TRUE(v["keys"][1]["days_to_expiry"].is_null());
  EXPECT_EQ(v["keys"][1]["usage"], json::object());
}

}  // namespace
}  // namespace usdcop
