// The web configuration of the exporter's HTTP servers, in the Prometheus exporter-toolkit's
// format (`--web.config.file`), so that operators reuse the file they have for other exporters:
// TLS (`tls_server_config`), response headers (`http_server_config.headers`) and basic auth
// (`basic_auth_users`, bcrypt hashes). Keys of the format that cannot be honoured here are
// refused with their reason, never ignored. docs/configuration.md lists every key.
//
// A WebConfig is built whole, with its certificate, key and client CA loaded, and is immutable
// afterwards: any number of servers (the public port, the control API) can share one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/basic_auth.h"
#include "http/tls_context.h"

namespace usdcop {

struct WebConfig {
  std::string file;
  std::optional<TlsServerConfig> tls;  // set: the servers speak HTTPS only
  TlsContext tls_context;              // built from `tls`, its files loaded; null without it
  std::vector<std::pair<std::string, std::string>> headers;  // added to every response
  BasicAuthUsers basic_auth;                                 // empty: no authentication
};

struct WebConfigLoad {
  std::shared_ptr<const WebConfig> config;  // set when errors is empty
  std::vector<std::string> errors;          // "file:line:col: field: what is wrong (what to do)"
};

// Reads, parses and validates the file, and loads the files it names (relative paths are
// relative to its directory). Never quotes a basic_auth_users value back.
WebConfigLoad LoadWebConfigFile(const std::string& path);
// The same for YAML text, `file` naming it in messages and giving the base directory.
WebConfigLoad LoadWebConfigText(const std::string& text, const std::string& file);

}  // namespace usdcop
