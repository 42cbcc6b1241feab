#include "shared/http_server.h"

#include <sys/socket.h>

#include <exception>
#include <string>

#include "shared/http_util.h"
#include "shared/log.h"

namespace usdcop::sim {
namespace {

// Only for errors no handler wrote a body for (unknown paths, methods): JSON like the rest.
httplib::Server::HandlerResponse OnError(const httplib::Request&, httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  std::string detail = res.status == 404 ? "Not Found" : "HTTP " + std::to_string(res.status);
  ReplyJson(res, res.status, json{{"detail", detail}, {"status", res.status}});
  return httplib::Server::HandlerResponse::Handled;
}

void OnException(const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  Log("error: " + req.method + " " + req.path + ": " + what);
  ReplyJson(res, 500, {{"error", what}});
}

// The request target for a log line, with the value of every `apikey` query parameter (the
// vendor API's key) replaced by <redacted>.
std::string RedactApiKeys(const std::string& target) {
  std::string out = target;
  for (size_t at = out.find("apikey="); at != std::string::npos; at = out.find("apikey=", at + 1)) {
    if (at > 0 && out[at - 1] != '?' && out[at - 1] != '&') continue;
    size_t start = at + 7;
    size_t end = out.find_first_of("&#", start);
    out.replace(start, (end == std::string::npos ? out.size() : end) - start, "<redacted>");
  }
  return out;
}

void LogRequest(const httplib::Request& req, const httplib::Response& res) {
  Log(req.remote_addr + " " + req.method + " " + RedactApiKeys(req.target) + " " +
      std::to_string(res.status));
}

}  // namespace

void ConfigureServer(httplib::Server& server, int threads, bool log_requests) {
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  // httplib's default adds SO_REUSEPORT, which lets a second simulator bind a port in use.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.set_payload_max_length(16 << 20);
  server.set_keep_alive_max_count(100000);  // httplib closes after 5 requests by default
  server.set_error_handler(httplib::Server::HandlerWithResponse(OnError));
  server.set_exception_handler(OnException);
  if (log_requests) server.set_logger(LogRequest);
}

}  // namespace usdcop::sim
