#include "shared/listen_address.h"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace usdcop::sim {

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
