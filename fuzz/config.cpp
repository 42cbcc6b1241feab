// The exporter's config file as --config.check and the daemon load it (app/config.h): the text
// through LoadConfigText, which LoadConfigFile calls once it has read the file. The file is named
// in a directory that does not exist, so that the relative paths it gives lead nowhere.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)usdcop::LoadConfigText(text, "/nonexistent/usdcop-fuzz/config.yml");
  return 0;
}
