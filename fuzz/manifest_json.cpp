// A backup set's manifest.json (backup/manifest.h), as ReadManifest parses it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "backup/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)usdcop::ParseManifest(
      {"set/manifest.json", usdcop::ManifestFormat::kJson, std::string(text)});
  return 0;
}
