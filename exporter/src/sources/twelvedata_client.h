// A client of Twelve Data's usage endpoint, GET <url>/api_usage?apikey=KEY, which costs no API
// credits. The key has to travel in the query (the vendor's API): no message this client
// returns holds the URL's query or the key, and the caller scrubs the key from anything the
// vendor says. One request per call, never a retry. Thread-safe (stateless over HttpClient).
#pragma once

#include <optional>
#include <string>

#include "common/deadline.h"
#include "common/secret.h"
#include "common/status.h"
#include "sources/http_client.h"

namespace usdcop {

struct ApiUsage {
  double current_usage = 0;           // credits used in the current minute
  double plan_limit = 0;              // credits per minute
  std::optional<double> daily_usage;  // plans with a daily cap only
  std::optional<double> plan_daily_limit;
};

// An answer of /api_usage, public for the tests. HTTP 429, or an error JSON with code 429 (the
// vendor also answers rate limits with HTTP 200): kRateLimited. HTTP 401 or code 401: kAuth.
// Other errors: kHttpStatus; a 200 that is not a usage object: kParse.
Result<ApiUsage> ParseApiUsage(long http_status, const std::string& body);

class TwelveDataClient {
 public:
  // `url`: the API's base URL without a trailing slash.
  TwelveDataClient(std::string url, HttpClient& http) : url_(std::move(url)), http_(http) {}

  Result<ApiUsage> Usage(const Secret& key, const Deadline& deadline);

 private:
  const std::string url_;
  HttpClient& http_;
};

}  // namespace usdcop
