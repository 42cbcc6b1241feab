// The control API's requests and answers, apart from HTTP: the server turns an HTTP request into
// a ControlRequest and a ControlResponse back into HTTP, and knows nothing else of the API.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/deadline.h"
#include "control/tokens.h"

namespace usdcop {

inline constexpr size_t kMaxControlBody = 64 * 1024;

struct ControlRequest {
  std::string method;  // GET, POST, ...
  std::string path;
  std::string authorization;    // the Authorization header
  std::string basic_user;       // the web config's basic-auth user it names, verified; "" = none
  std::string idempotency_key;  // the Idempotency-Key header
  std::string remote_addr;
  std::string body;
  bool body_too_large = false;  // the body was over kMaxControlBody and was not read
  // For the status page (docs/status-page.md): the browser's headers.
  std::string session_id;     // the session cookie's value; "" = none
  std::string csrf_token;     // the X-CSRF-Token header
  std::string origin;         // the Origin header
  std::string host;           // the Host header
  bool from_browser = false;  // Origin or Sec-Fetch-Site was sent (curl sends neither)
  std::string content_type;   // the Content-Type header
  std::string if_none_match;  // the If-None-Match header
  bool tls = false;           // the port serves HTTPS
};

struct ControlResponse {
  int code = 200;
  nlohmann::json body = nlohmann::json::object();
  std::shared_ptr<const std::string>
      text;                       // set: the body as JSON text (a view), and `body` unused
  std::string_view content_type;  // a literal; "" = application/json (with `text`: its type)
  std::vector<std::pair<std::string, std::string>> headers;
};

// The session cookie's name: under TLS with the __Host- prefix (Secure, no Domain, Path=/).
inline std::string_view SessionCookieName(bool tls) {
  return tls ? "__Host-usdcop_session" : "usdcop_session";
}

// An error answer: {"error": what, "field": field} ("field" left out when empty).
ControlResponse ErrorResponse(int code, const std::string& error, const std::string& field = "");

// What an action is asked to do.
struct ActionCall {
  const Caller& caller;
  const nlohmann::json& params;  // validated against the action's ParamSpecs; "action" removed
  Deadline deadline;
};

// What it did: an HTTP code (200 done, 202 accepted, 4xx the request is wrong for the world's
// current state, 502/504 a peer failed), the answer's body, and one line for the audit log.
struct ActionResult {
  int code = 200;
  nlohmann::json body = nlohmann::json::object();
  std::string summary;
};

}  // namespace usdcop
