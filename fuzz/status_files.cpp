// The files the pipeline writes and the exporter reads (probes/pipeline, probes/ready_signal):
// each input as a JSON object (common/json_file.h, what ReadJsonObject parses once it has read the
// file), then as a layer's status file, as the ready flag file and as a signal of the signal
// directory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json_file.h"
#include "probes/pipeline/pipeline_probe.h"
#include "probes/ready_signal/ready_signal_probe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = usdcop::ParseJsonObject(text, "status.json");
  if (!j.ok()) return 0;
  (void)usdcop::ParseStatusFile(*j);
  usdcop::FlagFile flag;
  (void)usdcop::ParseFlagFile(*j, "l0_ready.flag", flag);
  (void)usdcop::ParseSignalFile(*j);
  return 0;
}
