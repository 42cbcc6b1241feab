// One probe result's metrics as exposition text, serialised as MetricsRenderer does: for the
// tests of metrics/*_metrics.cpp.
#pragma once

#include <prometheus/text_serializer.h>

#include <sstream>
#include <string>

#include "metrics/render.h"

namespace usdcop {

template <typename R>
std::string RenderText(const R& result) {
  FamilyBuilder out;
  RenderResult(result, out);
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, out.Take());
  return text.str();
}

}  // namespace usdcop
