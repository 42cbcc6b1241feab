#include "control/web_assets.h"

#include <map>

#include "common/sha256.h"

namespace usdcop {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Request path -> file, built once from the embedded files.
std::map<std::string, WebAsset, std::less<>> BuildAssets() {
  std::map<std::string, WebAsset, std::less<>> out;
  for (const WebFile& f : WebFiles()) {
    WebAsset a{f.name, WebContentType(f.name), std::make_shared<const std::string>(f.bytes),
               "\"" + Sha256Hex(f.bytes).substr(0, 16) + "\""};
    if (f.name == "index.html") out.emplace("/", a);
    if (f.name == "login.html") out.emplace("/login", a);
    if (!EndsWith(f.name, ".html")) out.emplace("/assets/" + std::string(f.name), a);
  }
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const WebAsset* FindWebAsset(std::string_view path) {
  static const std::map<std::string, WebAsset, std::less<>> kAssets = BuildAssets();
  auto it = kAssets.find(path);
  return it == kAssets.end() ? nullptr : &it->second;
}

std::string_view WebContentType(std::string_view name) {
  if (EndsWith(name, ".html")) return "text/html; charset=utf-8";
  if (EndsWith(name, ".js")) return "text/javascript; charset=utf-8";
  if (EndsWith(name, ".css")) return "text/css; charset=utf-8";
  if (EndsWith(name, ".svg")) return "image/svg+xml";
  if (EndsWith(name, ".png")) return "image/png";
  return "application/octet-stream";
}

bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = TrimSpaces(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace usdcop
