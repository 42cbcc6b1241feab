// One probe result's metrics (or any rendering's) as exposition text, serialised as
// MetricsRenderer does: for the tests of probes/<name>/<name>_metrics.cpp.
#pragma once

#include <prometheus/text_serializer.h>

#include <sstream>
#include <string>

#include "metrics/render.h"

namespace usdcop {

// What `render` adds to a FamilyBuilder, as exposition text.
template <typename Render>
std::string TextOf(Render render) {
  FamilyBuilder out;
  render(out);
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, out.Take());
  return text.str();
}

template <typename R>
std::string RenderText(const R& result) {
  return TextOf([&](FamilyBuilder& out) { RenderResult(result, out); });
}

}  // namespace usdcop
