// The faults of the simulated WebSocket service, switched on by POST /sim/websocket/fault. They
// apply to connections whose upgrade request arrives afterwards; `none` also releases the
// connections that silent and slow hold.
//   refuse_upgrade  the upgrade request is answered 403 with a short body, no WebSocket
//   silent          the upgrade is accepted, then nothing is sent: the session is held until the
//                   client goes away, the fault is cleared (it then streams normally) or the
//                   simulator stops
//   garbage         the first message is a text frame that is not JSON, then normal messages
//   drop N          after N data messages (after_messages, default 0) the TCP connection is
//                   closed abruptly, without a close frame
//   close_frame     a close frame, 1011 "simulated server error", before any data
//   slow S          the upgrade request is answered S seconds late (seconds, default 10, at most
//                   600), or when the fault is cleared
// Value types; stateless functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "shared/http_util.h"
#include "shared/sim_time.h"

namespace usdcop::sim {

enum class WsFault { kNone, kRefuseUpgrade, kSilent, kGarbage, kDrop, kCloseFrame, kSlow };

struct WsFaultSetting {
  WsFault fault = WsFault::kNone;
  int64_t after_messages = 0;             // drop
  Micros slow{std::chrono::seconds(10)};  // slow
};

inline constexpr EnumNames<WsFault, 7> kWsFaultNames({"none", "refuse_upgrade", "silent", "garbage",
                                                      "drop", "close_frame", "slow"});
// {"fault", "seconds"?, "after_messages"?}; the first problem as a kBadInput Error.
Result<WsFaultSetting> ParseWsFaultRequest(FieldReader& body);
// {"fault", "seconds", "after_messages"}, each parameter null unless the fault takes it.
nlohmann::json DescribeWsFault(const WsFaultSetting& setting);

}  // namespace usdcop::sim
