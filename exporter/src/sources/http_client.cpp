#include "sources/http_client.h"

#include <curl/curl.h>

#include <memory>

namespace usdcop {
namespace {

struct Transfer {
  std::string body;
  size_t max_body = 0;
  bool too_large = false;
  const Deadline* deadline = nullptr;
};

size_t OnData(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->body.size() + size * n > t->max_body) {
    t->too_large = true;
    return 0;  // aborts with CURLE_WRITE_ERROR
  }
  t->body.append(data, size * n);
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Transfer*>(user)->deadline->Cancelled() ? 1 : 0;
}

Reason ReasonOf(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Reason::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Reason::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return Reason::kTls;
    case CURLE_ABORTED_BY_CALLBACK:
      return Reason::kCancelled;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
      return Reason::kConnect;
    default:
      return Reason::kInternal;
  }
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

}  // namespace

void CurlHttpClient::GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }

std::string UrlEscape(const std::string& text) {
  char* out = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  std::string escaped = out ? out : "";
  curl_free(out);
  return escaped;
}

std::string UrlPathForLog(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (start == std::string::npos) return "/";
  size_t end = url.find_first_of("?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

Result<HttpResponse> CurlHttpClient::Do(const HttpRequest& request, const Deadline& deadline) {
  const std::string what = request.method + " " + UrlPathForLog(request.url);
  if (deadline.Cancelled()) return Status(Reason::kCancelled, what + ": shutting down");
  long remaining_ms = static_cast<long>(deadline.Remaining().count());
  if (remaining_ms <= 0)
    return Status(Reason::kTimeout, what + ": no time left before the deadline");

  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return Status(Reason::kInternal, what + ": curl_easy_init failed");
  CURL* c = curl.get();
  Transfer t;
  t.max_body = max_body_bytes_;
  t.deadline = &deadline;
  char error[CURL_ERROR_SIZE] = {0};

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  if (request.bearer_token) add_header("Authorization: Bearer " + request.bearer_token->reveal());

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, remaining_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, remaining_ms);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "usdcop_exporter");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!request.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  if (request.basic_auth) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, request.basic_auth->first.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.basic_auth->second.reveal().c_str());
  }
  if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }

  CURLcode rc = curl_easy_perform(c);
  if (t.too_large)
    return Status(Reason::kParse,
                  what + ": answer larger than " + std::to_string(max_body_bytes_) + " bytes");
  if (rc != CURLE_OK) {
    Reason reason = ReasonOf(rc);
    if (reason == Reason::kCancelled && !deadline.Cancelled()) reason = Reason::kTimeout;
    std::string detail = error[0] ? error : curl_easy_strerror(rc);
    // A peer that answers bytes which are not HTTP: libcurl reports it as "Received HTTP/0.9 when
    // not allowed", CURLE_UNSUPPORTED_PROTOCOL, the code of a URL scheme it cannot speak. Only
    // the first follows a connection, and there the peer answered: its answer is unreadable.
    curl_off_t connected_us = 0;
    if (rc == CURLE_UNSUPPORTED_PROTOCOL &&
        curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected_us) == CURLE_OK &&
        connected_us > 0) {
      reason = Reason::kParse;
      detail = "the answer is not HTTP (" + detail + ")";
    }
    return Status(reason, what + ": " + detail);
  }
  HttpResponse response;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(t.body);
  return response;
}

}  // namespace usdcop
