// The web config (--web.config.file: TLS, headers, basic auth; http/web_config.h) as the daemon
// loads it: the text through LoadWebConfigText, which LoadWebConfigFile calls once it has read
// the file. Named in a directory that does not exist, so that relative paths lead nowhere.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)usdcop::LoadWebConfigText(text, "/nonexistent/usdcop-fuzz/web.yml");
  return 0;
}
