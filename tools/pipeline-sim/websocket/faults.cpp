#include "websocket/faults.h"

namespace usdcop::sim {
namespace {

constexpr double kMaxSlowSeconds = 600;
constexpr int64_t kMaxAfterMessages = 1'000'000'000;

}  // namespace

Result<WsFaultSetting> ParseWsFaultRequest(FieldReader& body) {
  body.RejectUnknown({"fault", "seconds", "after_messages"});
  WsFaultSetting s;
  s.fault = body.OneOf("fault", kWsFaultNames, true).value_or(WsFault::kNone);
  auto seconds = body.Number("seconds", 0, kMaxSlowSeconds, false);
  auto after = body.Int("after_messages", 0, kMaxAfterMessages, false);
  if (seconds && s.fault != WsFault::kSlow) body.Fail("seconds", "seconds goes with slow only");
  if (after && s.fault != WsFault::kDrop) {
    body.Fail("after_messages", "after_messages goes with drop only");
  }
  if (!body.ok()) return body.error();
  if (seconds) {
    s.slow = std::chrono::duration_cast<Micros>(std::chrono::duration<double>(*seconds));
  }
  s.after_messages = after.value_or(0);
  return s;
}

nlohmann::json DescribeWsFault(const WsFaultSetting& s) {
  nlohmann::json seconds = nullptr;
  nlohmann::json after = nullptr;
  if (s.fault == WsFault::kSlow) seconds = std::chrono::duration<double>(s.slow).count();
  if (s.fault == WsFault::kDrop) after = s.after_messages;
  return {{"fault", kWsFaultNames[s.fault]}, {"seconds", seconds}, {"after_messages", after}};
}

}  // namespace usdcop::sim
