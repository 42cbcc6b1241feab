// usdcop_vendor_api_*: from the vendor-API probe's result.
#include "exposition/family_builder.h"
#include "probes/vendor_api/vendor_api_kind.h"

namespace usdcop {

void VendorApiKind::Render(const VendorApiResult& result, FamilyBuilder& out) {
  for (const VendorKeyResult& k : result.keys) {
    const Labels key = {{"provider", result.provider}, {"key_id", k.key_id}};
    out.Gauge("usdcop_vendor_api_key_active", "1 on the API key the pipeline uses.", key,
              k.active ? 1 : 0);
    out.Gauge("usdcop_vendor_api_key_created_timestamp_seconds",
              "When the API key was created (from the config).", key, k.created);
    if (k.expiry)
      out.Gauge("usdcop_vendor_api_key_expiry_timestamp_seconds",
                "When the API key expires (from the config).", key, *k.expiry);
  }
  for (const VendorKeyResult& k : result.keys) {
    for (const VendorUsageResult& u : k.usage) {
      const Labels labels = {
          {"provider", result.provider}, {"key_id", k.key_id}, {"period", u.period}};
      out.Gauge("usdcop_vendor_api_calls_used",
                "API credits the key has used in the current minute or day.", labels, u.used);
      out.Gauge("usdcop_vendor_api_calls_limit", "The plan's credit limit for the period.", labels,
                u.limit);
      if (u.limit > 0)
        out.Gauge("usdcop_vendor_api_usage_ratio",
                  "Credits used over the plan's limit for the period.", labels, u.used / u.limit);
    }
  }
}

}  // namespace usdcop
