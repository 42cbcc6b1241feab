// The messages of the USD/COP WebSocket service: JSON text `{channel, timestamp, data}` whose
// `data` is a bar (`time`, `open`, `high`, `low`, `close`, ...) or a tick (`time` or `timestamp`,
// and `price`, `bid` or `ask`); prices may be numbers or numeric strings. A message without
// `data` (a welcome, a heartbeat, a subscription answer) is a control message. Pure functions.
#pragma once

#include <string_view>

#include "common/status.h"

namespace usdcop {

struct FeedMessage {
  enum class Kind { kData, kControl };
  Kind kind = Kind::kControl;
  // kData: the data's time in Unix seconds: data.time, data.timestamp or data.datetime, else
  // the envelope's timestamp.
  double timestamp = 0;
};

// Errors: parse, saying what is wrong and quoting the start of the message.
Result<FeedMessage> ParseFeedMessage(std::string_view text);

}  // namespace usdcop
