// Alertmanager's API v2 answers (sources/alertmanager_client.h): each input goes to the three
// parsers, /api/v2/alerts, /api/v2/receivers and /api/v2/status.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sources/alertmanager_client.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)usdcop::ParseAlertmanagerAlerts(body);
  (void)usdcop::ParseAlertmanagerReceivers(body);
  (void)usdcop::ParseAlertmanagerStatus(body);
  return 0;
}
