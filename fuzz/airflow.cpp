// Airflow's answers (sources/airflow_client.h): each input goes to the three parsers, the DAG
// runs list, the health answer and an XCom entry.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sources/airflow_client.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  (void)usdcop::ParseDagRuns(body);
  (void)usdcop::ParseAirflowHealth(body);
  (void)usdcop::ParseXcomNumber(body);
  return 0;
}
