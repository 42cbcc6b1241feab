#include "shared/password_file.h"

#include <fstream>
#include <iterator>

namespace usdcop::sim {

Result<std::string> ReadPasswordFile(std::string_view flag, const std::string& path) {
  std::string text;
  std::ifstream in(path, std::ios::binary);
  if (in) text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) {
    return BadInput(std::string(flag), std::string(flag) + ": no password in " + path);
  }
  return text;
}

}  // namespace usdcop::sim
