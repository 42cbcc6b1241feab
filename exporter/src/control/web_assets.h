// The status page's files (exporter/web/), embedded in the binary by the build: a CMake step
// (exporter/cmake/embed_web_assets.cmake) writes their bytes into a generated .cpp in the build
// tree, which defines WebFiles(). Nothing is read from disk at run time, and no file comes from
// another host. The page is served on the control port (control_api.cpp, docs/status-page.md):
//   /              index.html (with a session; else 303 to /login)
//   /login         login.html
//   /assets/NAME   every other file (the .html files are not served under /assets/)
// Immutable after the first call; thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace usdcop {

// One embedded file, as the generated .cpp lists it.
struct WebFile {
  std::string_view name;   // "app.js"
  std::string_view bytes;  // its content, static storage
};
// Every file of exporter/web/, sorted by name. Defined in the generated web_assets_data.cpp.
std::span<const WebFile> WebFiles();

// A file as served.
struct WebAsset {
  std::string_view name;
  std::string_view content_type;  // static storage: "text/html; charset=utf-8", ...
  std::shared_ptr<const std::string> body;
  std::string etag;  // "\"<first 16 hex digits of the SHA-256 of the bytes>\"" (quoted, as sent)
};

// The file served at `path` (the request's path, without the query); null when none is.
const WebAsset* FindWebAsset(std::string_view path);

// The Content-Type of a file of that name ("application/octet-stream" for an unknown extension).
std::string_view WebContentType(std::string_view name);

// True when an If-None-Match header value names `etag` (a list of quoted tags, or *; weak tags
// W/"..." compared weakly, as RFC 9110 asks of GET).
bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag);

}  // namespace usdcop
