// A scripted HttpClient for unit tests: answers by URL (query included), records every request.
// Not thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sources/http_client.h"

namespace usdcop {

class FakeHttp final : public HttpClient {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;
  void Answer(const std::string& url, long status, std::string body) {
    handlers_[url] = [status, body](const HttpRequest&) {
      return Result<HttpResponse>(HttpResponse{status, body});
    };
  }
  void On(const std::string& url, Handler h) { handlers_[url] = std::move(h); }
  Result<HttpResponse> Do(const HttpRequest& request, const Deadline&) override {
    requests.push_back(request);
    auto it = handlers_.find(request.url);
    if (it == handlers_.end()) return HttpResponse{404, "{\"detail\": \"not found\"}"};
    return it->second(request);
  }
  std::vector<HttpRequest> requests;

 private:
  std::map<std::string, Handler> handlers_;
};

}  // namespace usdcop
