// probes.websocket: the WebSocket service's feed and its status endpoint.
#include "common/small_file.h"
#include "config/sections.h"
#include "probes/websocket/websocket_kind.h"

namespace usdcop {
namespace {

// A phase's timeout: `key` when given (at most the run's timeout), else the default capped by it.
Duration PhaseTimeout(FieldReader& r, const YAML::Node& node, const std::string& path,
                      const char* key, Duration fallback, Duration run_timeout) {
  auto given = r.Dur(node, path, key);
  if (!given) return std::min(fallback, run_timeout);
  if (*given > run_timeout)
    r.Error(node[key], Join(path, key),
            "must not be longer than timeout (" + FormatDuration(run_timeout) +
                "): the run's deadline would cut it short");
  return *given;
}

}  // namespace

std::string ParseCaFile(FieldReader& r, const YAML::Node& node, const std::string& path,
                        std::string_view signs) {
  std::string ca_file = r.FilePath(node, path, "ca_file").value_or("");
  if (ca_file.empty()) return ca_file;
  if (auto read = ReadSmallFile(ca_file, kMaxPemFileBytes); !read.ok())
    r.Error(node["ca_file"], Join(path, "ca_file"),
            "cannot read " + read.status().message() +
                " (give a PEM file of the CA certificates that sign " + std::string(signs) +
                " certificate)");
  return ca_file;
}

std::optional<WebSocketProbeConfig> WebSocketKind::Parse(FieldReader& r, const YAML::Node& node,
                                                         const std::string& path) {
  if (!r.Map(node, path,
             {"interval", "timeout", "url", "status_url", "connect_timeout", "handshake_timeout",
              "read_timeout", "ca_file", "subscribe"}))
    return std::nullopt;
  WebSocketProbeConfig c;
  c.interval = r.Dur(node, path, "interval").value_or(c.interval);
  c.timeout = r.Dur(node, path, "timeout").value_or(c.timeout);
  CheckTimeoutBelowInterval(r, node, path, c.interval, c.timeout);
  c.url = r.WebSocketUrl(node, path, "url", true, "ws://127.0.0.1:8080/ws").value_or("");
  c.status_url =
      r.HttpUrl(node, path, "status_url", false, "http://127.0.0.1:8080/status").value_or("");
  c.connect_timeout = PhaseTimeout(r, node, path, "connect_timeout", c.connect_timeout, c.timeout);
  c.handshake_timeout =
      PhaseTimeout(r, node, path, "handshake_timeout", c.handshake_timeout, c.timeout);
  c.read_timeout = PhaseTimeout(r, node, path, "read_timeout", c.read_timeout, c.timeout);
  c.ca_file = ParseCaFile(r, node, path, "the service's");
  c.subscribe = r.String(node, path, "subscribe").value_or("");
  return c;
}

}  // namespace usdcop
