#include "shared/listen_address.h"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace usdcop::sim {

std::optional<Address> ParseAddress(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  Address a{text.substr(0, colon), 0};
  if (a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) {
    return std::nullopt;
  }
  a.port = std::stoi(port);
  return a.port <= 65535 ? std::optional<Address>(a) : std::nullopt;
}

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

Status WritePortFile(std::string_view flag, const std::string& path, int port) {
  std::string temp = path + ".tmp";
  bool written = false;
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << '\n';
    written = static_cast<bool>(out.flush());
  }
  std::error_code ec;
  if (written) std::filesystem::rename(temp, path, ec);
  if (written && !ec) return Status::Ok();
  return IoError(std::string(flag), "cannot write " + std::string(flag) + " " + path);
}

}  // namespace usdcop::sim
