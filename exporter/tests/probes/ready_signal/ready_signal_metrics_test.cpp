// probes/ready_signal/ready_signal_metrics.cpp: the ready_signal probe's metrics, to the byte: its
// golden file.
#include <gtest/gtest.h>

#include "support/golden.h"
#include "support/render_text.h"

namespace usdcop {
namespace {

// -- The golden file: fixtures/ready_signal.prom (support/golden.h)
// ---------------------------------------

ReadySignalResult GoldenReadySignal() {
  ReadySignalResult r;
  r.present = true;
  r.timestamp = 1795525800;
  r.handover = HandoverResult{1795525500, 2, 600};
  return r;
}

const Golden kReadySignalGolden{"ready_signal", [] { return RenderText(GoldenReadySignal()); }};
[[maybe_unused]] const bool kReadySignalGoldenRegistered = RegisterGolden(kReadySignalGolden);

TEST(ReadySignalMetricsTest, MatchesItsGoldenFileAndTheContract) {
  ExpectGolden(kReadySignalGolden);
}

}  // namespace
}  // namespace usdcop
