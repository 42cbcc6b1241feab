// The vendor_api probe's result as the control API shows it.
#include <nlohmann/json.hpp>

#include "probes/vendor_api/vendor_api_kind.h"
#include "probes/view_json.h"

namespace usdcop {
namespace {

using nlohmann::json;
using view_json::ArrayOf;
using view_json::Opt;

json KeyJson(const VendorKeyResult& k, double now) {
  json usage = json::object();
  for (const VendorUsageResult& u : k.usage)
    usage[u.period] = {{"used", u.used},
                       {"limit", u.limit},
                       {"ratio", u.limit > 0 ? json(u.used / u.limit) : json()}};
  return {{"key_id", k.key_id},
          {"active", k.active},
          {"created", k.created},
          {"age_days", (now - k.created) / 86400},
          {"expires", Opt(k.expiry)},
          {"days_to_expiry", k.expiry ? json((*k.expiry - now) / 86400) : json()},
          {"usage", usage}};
}

}  // namespace

json VendorApiKind::View(const VendorApiResult& result, double now) {
  return {
      {"provider", result.provider},
      {"keys", ArrayOf(result.keys, [now](const VendorKeyResult& k) { return KeyJson(k, now); })}};
}

}  // namespace usdcop
