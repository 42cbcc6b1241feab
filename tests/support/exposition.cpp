#include "support/exposition.h"

#include <httplib.h>

#include <algorithm>
#include <sstream>

namespace usdcop::testing {

Series ParseExposition(const std::string& text) {
  Series out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

double Sum(const Series& series, const std::string& name, const std::vector<std::string>& labels) {
  double sum = 0;
  for (const auto& [key, value] : series) {
    if (key.rfind(name + "{", 0) != 0 && key != name) continue;
    if (std::all_of(labels.begin(), labels.end(),
                    [&](const std::string& l) { return key.find(l) != std::string::npos; }))
      sum += value;
  }
  return sum;
}

std::optional<std::string> HttpGet(int port, const std::string& path,
                                   std::chrono::milliseconds timeout) {
  std::string body;
  if (HttpGetStatus(port, path, &body, timeout) != 200) return std::nullopt;
  return body;
}

int HttpGetStatus(int port, const std::string& path, std::string* response,
                  std::chrono::milliseconds timeout) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  auto res = client.Get(path);
  if (!res) return 0;
  *response = res->body;
  return res->status;
}

int HttpPost(int port, const std::string& path, const std::string& body, std::string* response) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(10));
  auto res = client.Post(path, body, "application/json");
  if (!res) return 0;
  if (response) *response = res->body;
  return res->status;
}

}  // namespace usdcop::testing
