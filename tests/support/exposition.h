// Scraping and reading a Prometheus text exposition in tests. Not thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace usdcop::testing {

// Series as printed ("name{a=\"b\"}") -> value.
using Series = std::map<std::string, double>;

Series ParseExposition(const std::string& text);
// The sum of every series of `name` whose text holds each of `labels` (e.g. "status=\"firing\""),
// whatever the order of its labels; 0 when none.
double Sum(const Series& series, const std::string& name,
           const std::vector<std::string>& labels = {});
// GET http://127.0.0.1:port/path with a read timeout; nullopt on any failure or non-200.
std::optional<std::string> HttpGet(
    int port, const std::string& path,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
// The same GET for any status: the status code (0 when the request failed), the body in *response.
int HttpGetStatus(int port, const std::string& path, std::string* response,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
// POST a JSON body; the status code (0 when the request failed).
int HttpPost(int port, const std::string& path, const std::string& body,
             std::string* response = nullptr);

}  // namespace usdcop::testing
