// Durations, sizes and timestamps as the config, the web config and the peers' answers give them
// (common/units.h). What parses also prints and parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/units.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto d = usdcop::ParseDuration(text)) {
    if (usdcop::ParseDuration(usdcop::FormatDuration(*d)) != d) std::abort();
  }
  (void)usdcop::ParseSize(text);
  if (auto t = usdcop::ParseTimestamp(text)) {
    if (usdcop::ParseTimestamp(usdcop::FormatTimestamp(*t)) != t) std::abort();
    (void)usdcop::ToUnixSeconds(*t);
  }
  (void)usdcop::ParseDate(text);
  return 0;
}
