// probes.alertmanager: Alertmanager's API v2, with basic auth and a CA bundle when it needs them.
#include "config/sections.h"
#include "probes/alertmanager/alertmanager_kind.h"

namespace usdcop {

std::optional<AlertmanagerProbeConfig> AlertmanagerKind::Parse(FieldReader& r,
                                                               const YAML::Node& node,
                                                               const std::string& path) {
  // `password` is listed so that SecretField refuses it as inline, not as unknown.
  if (!r.Map(node, path,
             {"interval", "timeout", "url", "ca_file", "username", "password_file", "password_env",
              "password"}))
    return std::nullopt;
  AlertmanagerProbeConfig c;
  c.interval = r.Dur(node, path, "interval").value_or(c.interval);
  c.timeout = r.Dur(node, path, "timeout").value_or(c.timeout);
  CheckTimeoutBelowInterval(r, node, path, c.interval, c.timeout);
  if (auto url = r.HttpUrl(node, path, "url", true, "http://127.0.0.1:9093")) {
    while (!url->empty() && url->back() == '/') url->pop_back();
    c.url = *url;
  }
  c.ca_file = ParseCaFile(r, node, path, "Alertmanager's");
  c.username = r.String(node, path, "username").value_or("");
  c.password = r.SecretField(node, path, "password", false).value_or(Secret());
  // Judged by what is named, not what was read: a secret that could not be read is reported
  // already.
  const char* password_key = !node.IsMap()                       ? nullptr
                             : node["password_file"].IsDefined() ? "password_file"
                             : node["password_env"].IsDefined()  ? "password_env"
                                                                 : nullptr;
  if (!c.username.empty() && password_key == nullptr)
    r.Error(node, Join(path, "password_file"),
            "is required with username (or password_env): basic auth takes both");
  if (c.username.empty() && password_key != nullptr)
    r.Error(node[password_key], Join(path, "username"),
            "is required with " + std::string(password_key) + ": basic auth takes both");
  return c;
}

}  // namespace usdcop
