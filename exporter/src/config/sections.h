// One parse function per config section, each reporting its problems through the FieldReader.
// Internal to config/; the public entry points are in config.h.
#pragma once

#include <optional>

#include "config/config.h"
#include "config/field_reader.h"

namespace usdcop {

std::optional<PipelineProbeConfig> ParsePipelineSection(FieldReader& r, const YAML::Node& node,
                                                        const std::string& path);

std::optional<MarketDataProbeConfig> ParseMarketDataSection(FieldReader& r, const YAML::Node& node,
                                                            const std::string& path);
std::optional<ReadySignalProbeConfig> ParseReadySignalSection(FieldReader& r, const YAML::Node& node,
                                                              const std::string& path);
CalendarConfig ParseCalendarSection(FieldReader& r, const YAML::Node& node, const std::string& path);

// Reports "timeout must be shorter than interval".
void CheckTimeoutBelowInterval(FieldReader& r, const YAML::Node& node, const std::string& path,
                               Duration interval, Duration timeout);

}  // namespace usdcop
