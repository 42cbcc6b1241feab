// Twelve Data's /api_usage answer (sources/twelvedata_client.h), as a 200 and as a 429.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sources/twelvedata_client.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)usdcop::ParseApiUsage(200, body);
  (void)usdcop::ParseApiUsage(429, body);
  return 0;
}
