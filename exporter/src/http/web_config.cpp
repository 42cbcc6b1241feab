#include "http/web_config.h"

#include <filesystem>

#include "config/field_reader.h"

namespace usdcop {
namespace {

constexpr const char* kTls = "tls_server_config";

std::optional<int> TlsVersion(FieldReader& r, const YAML::Node& node, const std::string& path,
                              const char* key) {
  auto name = r.Enum(node, path, key, {"TLS10", "TLS11", "TLS12", "TLS13"});
  if (!name) return std::nullopt;
  if (*name == "TLS12") return TLS1_2_VERSION;
  if (*name == "TLS13") return TLS1_3_VERSION;
  r.Error(node[key], Join(path, key),
          "\"" + *name +
              "\" cannot be honoured: OpenSSL 3 allows TLS 1.0 and 1.1 only at security level 0 "
              "(use TLS12 or TLS13)");
  return std::nullopt;
}

std::optional<ClientAuth> ClientAuthType(FieldReader& r, const YAML::Node& node,
                                         const std::string& path) {
  auto name =
      r.Enum(node, path, "client_auth_type",
             {"NoClientCert", "RequestClientCert", "RequireAnyClientCert", "RequireClientCert",
              "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"});
  if (!name) return std::nullopt;
  if (*name == "RequestClientCert") return ClientAuth::kRequestClientCert;
  if (*name == "RequireAnyClientCert" || *name == "RequireClientCert")
    return ClientAuth::kRequireAnyClientCert;
  if (*name == "VerifyClientCertIfGiven") return ClientAuth::kVerifyClientCertIfGiven;
  if (*name == "RequireAndVerifyClientCert") return ClientAuth::kRequireAndVerifyClientCert;
  return ClientAuth::kNoClientCert;
}

std::vector<std::string> Groups(FieldReader& r, const YAML::Node& node, const std::string& path) {
  std::vector<std::string> groups;
  auto names = r.StringList(node, path, "curve_preferences");
  for (size_t i = 0; names && i < names->size(); ++i) {
    const std::string& n = (*names)[i];
    if (n == "CurveP256" || n == "CurveP384" || n == "CurveP521") {
      groups.push_back("P-" + n.substr(6));
    } else if (n == "X25519") {
      groups.push_back(n);
    } else {
      r.Error(node["curve_preferences"][i],
              Join(path, "curve_preferences") + "[" + std::to_string(i) + "]",
              "\"" + n + "\" is not one of CurveP256, CurveP384, CurveP521, X25519");
    }
  }
  return groups;
}

// The rules between fields that the toolkit states (client CA without a client auth type) and
// those we add where Go would quietly fall back (system roots, SANs unchecked without a cert).
void CheckClientAuth(FieldReader& r, const YAML::Node& node, const std::string& path,
                     const TlsServerConfig& t) {
  const bool verifies = t.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                        t.client_auth == ClientAuth::kRequireAndVerifyClientCert;
  if (!t.client_ca_file.empty() && t.client_auth == ClientAuth::kNoClientCert)
    r.Error(FieldReader::At(node, "client_ca_file"), Join(path, "client_ca_file"),
            "is set without a client_auth_type (use RequireAndVerifyClientCert to verify client "
            "certificates)");
  if (verifies && t.client_ca_file.empty())
    r.Error(FieldReader::At(node, "client_auth_type"), Join(path, "client_ca_file"),
            "is required to verify client certificates (the CA that signs them)");
  if (!t.client_allowed_sans.empty() && t.client_auth != ClientAuth::kRequireAndVerifyClientCert)
    r.Error(FieldReader::At(node, "client_allowed_sans"), Join(path, "client_allowed_sans"),
            "needs client_auth_type: RequireAndVerifyClientCert (without a verified certificate "
            "there is no SAN to check)");
  if (t.min_version > t.max_version)
    r.Error(FieldReader::At(node, "max_version"), Join(path, "max_version"),
            "is below min_version");
}

std::optional<TlsServerConfig> ParseTls(FieldReader& r, const YAML::Node& node,
                                        TlsContext& context) {
  const std::string path = kTls;
  constexpr std::string_view kInline =
      "inline PEM is not supported: put it in a file and name it with the *_file key";
  if (!r.Map(
          node, path,
          {"cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version",
           "max_version", "curve_preferences", "prefer_server_cipher_suites",
           "client_allowed_sans"},
          {{"cert", kInline},
           {"key", kInline},
           {"client_ca", kInline},
           {"cipher_suites",
            "cannot be honoured: Go's cipher suite names do not map onto OpenSSL's here; remove it "
            "(OpenSSL's default suites are used)"}}))
    return std::nullopt;
  TlsServerConfig t;
  t.cert_file = r.FilePath(node, path, "cert_file", true).value_or("");
  t.key_file = r.FilePath(node, path, "key_file", true).value_or("");
  t.client_ca_file = r.FilePath(node, path, "client_ca_file").value_or("");
  t.client_auth = ClientAuthType(r, node, path).value_or(t.client_auth);
  t.min_version = TlsVersion(r, node, path, "min_version").value_or(t.min_version);
  t.max_version = TlsVersion(r, node, path, "max_version").value_or(t.max_version);
  t.groups = Groups(r, node, path);
  t.prefer_server_cipher_suites = r.Bool(node, path, "prefer_server_cipher_suites").value_or(true);
  t.client_allowed_sans =
      r.StringList(node, path, "client_allowed_sans").value_or(std::vector<std::string>{});
  CheckClientAuth(r, node, path, t);
  if (t.cert_file.empty() || t.key_file.empty()) return std::nullopt;
  TlsContextBuild build = BuildTlsContext(t);
  for (const auto& [field, what] : build.problems)
    r.Error(FieldReader::At(node, field.c_str()), Join(path, field), what);
  context = std::move(build.context);
  return t;
}

// The headers the toolkit allows, with their allowed values where the set is closed.
struct AllowedHeader {
  std::string_view name;
  std::vector<std::string_view> values;  // empty: any value
};
const std::vector<AllowedHeader>& AllowedHeaders() {
  static const std::vector<AllowedHeader> kHeaders = {{"Strict-Transport-Security", {}},
                                                      {"X-Content-Type-Options", {"nosniff"}},
                                                      {"X-Frame-Options", {"deny", "sameorigin"}},
                                                      {"X-XSS-Protection", {}},
                                                      {"Content-Security-Policy", {}}};
  return kHeaders;
}

void ParseHeaders(FieldReader& r, const YAML::Node& node, const std::string& path, WebConfig& web) {
  if (!r.Map(node, path,
             {"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
              "X-XSS-Protection", "Content-Security-Policy"}) ||
      !node.IsMap())
    return;
  for (const AllowedHeader& h : AllowedHeaders()) {
    auto value = r.String(node, path, std::string(h.name).c_str());
    if (!value || value->empty()) continue;  // blank: not sent, as the toolkit does
    const std::string field = Join(path, h.name);
    bool allowed = h.values.empty();
    for (std::string_view v : h.values) allowed = allowed || v == *value;
    if (value->find_first_of("\r\n") != std::string::npos) {
      r.Error(node[std::string(h.name)], field, "holds a line break");
    } else if (!allowed) {
      std::string list;
      for (std::string_view v : h.values) list += (list.empty() ? "" : ", ") + std::string(v);
      r.Error(node[std::string(h.name)], field, "\"" + *value + "\" is not one of " + list);
    } else {
      web.headers.emplace_back(h.name, *value);
    }
  }
}

void ParseHttp(FieldReader& r, const YAML::Node& node, WebConfig& web) {
  const std::string path = "http_server_config";
  if (!r.Map(node, path, {"http2", "headers"}) || !node.IsMap()) return;
  if (r.Bool(node, path, "http2").value_or(false))
    r.Error(node["http2"], Join(path, "http2"),
            "cannot be honoured: the exporter serves HTTP/1.1 only (set it to false or remove it)");
  if (node["headers"].IsDefined()) ParseHeaders(r, node["headers"], Join(path, "headers"), web);
}

void ParseUsers(FieldReader& r, const YAML::Node& node, WebConfig& web) {
  const std::string path = "basic_auth_users";
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    r.Error(node, path, "expected a map of user names to bcrypt hashes");
    return;
  }
  std::map<std::string, std::string, std::less<>> hashes;
  for (const auto& kv : node) {
    const std::string user = kv.first.Scalar();
    const std::string field = Join(path, user);
    // The value is never quoted back: it may be a password written where its hash belongs.
    if (user.empty() || user.find(':') != std::string::npos) {
      r.Error(kv.first, field,
              "a user name must be non-empty and without ':' (basic auth cannot carry it)");
    } else if (!kv.second.IsScalar() || !IsBcryptHash(kv.second.Scalar())) {
      r.Error(kv.second, field,
              "is not a bcrypt hash ($2y$, $2b$ or $2a$, cost 04 to 31; make one with htpasswd "
              "-nBC 10 \"\" | tr -d "
              "':\\n')");
    } else {
      hashes.emplace(user, kv.second.Scalar());
    }
  }
  web.basic_auth = MakeBasicAuthUsers(std::move(hashes));
}

WebConfigLoad Parse(const std::string& text, const std::string& file) {
  WebConfigLoad load;
  std::optional<YAML::Node> root = ParseYaml(text, file, &load.errors);
  if (!root) return load;
  FieldReader r(file, std::filesystem::absolute(file).parent_path().string(), &load.errors);
  auto web = std::make_shared<WebConfig>();
  web->file = file;
  if (r.Map(
          *root, "", {kTls, "http_server_config", "basic_auth_users"},
          {{"rate_limit",
            "is not supported by usdcop_exporter: remove it (limit rates in a reverse proxy)"}}) &&
      root->IsMap()) {
    if ((*root)[kTls].IsDefined()) web->tls = ParseTls(r, (*root)[kTls], web->tls_context);
    if ((*root)["http_server_config"].IsDefined())
      ParseHttp(r, (*root)["http_server_config"], *web);
    if ((*root)["basic_auth_users"].IsDefined()) ParseUsers(r, (*root)["basic_auth_users"], *web);
  }
  if (load.errors.empty()) load.config = std::move(web);
  return load;
}

}  // namespace

WebConfigLoad LoadWebConfigText(const std::string& text, const std::string& file) {
  return ParseGuarded<WebConfigLoad>(text, file, Parse);
}

WebConfigLoad LoadWebConfigFile(const std::string& path) {
  return ParseGuardedFile<WebConfigLoad>(path, "the web config file",
                                         "give its path with --web.config.file", Parse);
}

}  // namespace usdcop
