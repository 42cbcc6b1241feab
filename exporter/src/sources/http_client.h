// HTTP(S) requests for the probes, behind a small interface so that unit tests can answer
// without a network. The libcurl implementation enforces the caller's Deadline as connect and
// total timeouts, aborts on cancellation, caps the body size, and never logs or reports
// credentials (they travel in CURLOPT_USERNAME/PASSWORD or an Authorization header that no
// error message includes). Thread-safe: each call uses its own easy handle.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/deadline.h"
#include "common/secret.h"
#include "common/status.h"

namespace usdcop {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // no secrets here
  std::string body;
  std::optional<std::pair<std::string, Secret>> basic_auth;  // user, password
  std::optional<Secret> bearer_token;
  std::string ca_file;  // https: trust this PEM bundle instead of the system's; "" = the system's
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // A response of any status, or connect / timeout / tls / cancelled / parse (body too large).
  virtual Result<HttpResponse> Do(const HttpRequest& request, const Deadline& deadline) = 0;
};

class CurlHttpClient final : public HttpClient {
 public:
  // Call once per process before any thread makes a request.
  static void GlobalInit();
  explicit CurlHttpClient(size_t max_body_bytes = 16u << 20) : max_body_bytes_(max_body_bytes) {}
  Result<HttpResponse> Do(const HttpRequest& request, const Deadline& deadline) override;

 private:
  const size_t max_body_bytes_;
};

// `text` percent-encoded for a URL's path segment or query value (curl_easy_escape).
std::string UrlEscape(const std::string& text);

// The path of a URL for messages: "http://host:8080/api/v1/health?x=1" -> "/api/v1/health".
std::string UrlPathForLog(const std::string& url);

}  // namespace usdcop
