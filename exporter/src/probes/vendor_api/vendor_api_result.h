// What the vendor-API probe found: per configured key its dates, whether the pipeline uses it,
// and the credits it has used per period when the vendor told us this run. Plain data.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace usdcop {

struct VendorUsageResult {
  std::string period;  // "minute" or "day": the `period` label
  double used = 0;
  double limit = 0;
};

struct VendorKeyResult {
  std::string key_id;
  bool active = false;
  double created = 0;                    // Unix seconds
  std::optional<double> expiry;          // Unix seconds
  std::vector<VendorUsageResult> usage;  // empty when this run has no usage for the key
};

struct VendorApiResult {
  std::string provider;
  std::vector<VendorKeyResult> keys;  // every configured key, in config order
};

}  // namespace usdcop
