// probes.vendor_api: the vendor's usage API, its keys (never inline) and which one is active.
#include <regex>

#include "config/sections.h"
#include "probes/vendor_api/vendor_api_kind.h"

namespace usdcop {
namespace {

// Key ids become label values and sit in log lines: keep them short and plain.
const std::regex kKeyId("^[A-Za-z0-9_.\\-]{1,64}$");

std::optional<SysTime> DateField(FieldReader& r, const YAML::Node& node, const std::string& path,
                                 const char* key, bool required) {
  auto text = r.String(node, path, key, required);
  if (!text) return std::nullopt;
  auto date = ParseDate(*text);
  if (!date)
    r.Error(node[key], Join(path, key),
            "\"" + *text + "\" is not a date (use YYYY-MM-DD, e.g. 2026-01-10)");
  return date;
}

std::optional<VendorKeyConfig> ParseKey(FieldReader& r, const YAML::Node& node,
                                        const std::string& path) {
  if (!r.Map(node, path, {"id", "key", "key_file", "key_env", "created", "expires"}))
    return std::nullopt;
  VendorKeyConfig k;
  k.id = r.String(node, path, "id", true).value_or("");
  if (!k.id.empty() && !std::regex_match(k.id, kKeyId)) {
    r.Error(node["id"], Join(path, "id"),
            "\"" + k.id + "\" must be 1 to 64 letters, digits, _ . - (e.g. primary)");
    k.id.clear();
  }
  k.key = r.SecretField(node, path, "key", true).value_or(Secret());
  auto created = DateField(r, node, path, "created", true);
  k.expires = DateField(r, node, path, "expires", false);
  if (created) k.created = *created;
  if (created && k.expires && *k.expires <= *created)
    r.Error(node["expires"], Join(path, "expires"), "must be after created");
  return k;
}

std::vector<VendorKeyConfig> ParseKeys(FieldReader& r, const YAML::Node& parent,
                                       const std::string& path) {
  constexpr std::string_view kShape = "{id, key_file | key_env, created, expires?}";
  auto keys = ParseUniqueList(r, parent, "keys", path, kShape, "id", ParseKey,
                              [](const VendorKeyConfig& k) -> const std::string& { return k.id; });
  const YAML::Node node = parent.IsMap() ? parent["keys"] : YAML::Node();
  if (node.IsDefined() && node.IsSequence() && node.size() == 0)
    r.Error(node, path, "is empty (a list of " + std::string(kShape) + ")");
  return keys;
}

// `active_key: ID` or `active_key: {file: PATH}`.
void ParseActiveKey(FieldReader& r, const YAML::Node& parent, const std::string& path,
                    VendorApiProbeConfig& c) {
  if (!parent.IsMap() || !parent["active_key"].IsDefined() || parent["active_key"].IsNull()) return;
  const YAML::Node node = parent["active_key"];
  const std::string field = Join(path, "active_key");
  if (node.IsMap()) {
    if (r.Map(node, field, {"file"}))
      c.active_key_file = r.FilePath(node, field, "file", true).value_or("");
    return;
  }
  auto id = r.String(parent, path, "active_key");
  if (!id) return;
  for (const VendorKeyConfig& k : c.keys)
    if (k.id == *id) {
      c.active_key = *id;
      return;
    }
  r.Error(
      node, field,
      "\"" + *id + "\" is not the id of a key in keys (or give {file: PATH} the pipeline writes)");
}

}  // namespace

std::optional<VendorApiProbeConfig> VendorApiKind::Parse(FieldReader& r, const YAML::Node& node,
                                                         const std::string& path) {
  if (!r.Map(node, path,
             {"interval", "timeout", "backoff", "provider", "url", "keys", "active_key"}))
    return std::nullopt;
  VendorApiProbeConfig c;
  c.interval = r.Dur(node, path, "interval").value_or(c.interval);
  c.timeout = r.Dur(node, path, "timeout").value_or(c.timeout);
  CheckTimeoutBelowInterval(r, node, path, c.interval, c.timeout);
  c.backoff = r.Dur(node, path, "backoff").value_or(c.backoff);
  c.provider = r.Enum(node, path, "provider", {"twelvedata"}).value_or(c.provider);
  if (auto url = r.HttpUrl(node, path, "url", false, "https://api.twelvedata.com")) {
    while (!url->empty() && url->back() == '/') url->pop_back();
    c.url = *url;
  }
  c.keys = ParseKeys(r, node, Join(path, "keys"));
  ParseActiveKey(r, node, path, c);
  return c;
}

}  // namespace usdcop
