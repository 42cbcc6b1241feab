// How an action reports a peer (Airflow, Alertmanager, a hook's URL) that failed it: 504 when
// the deadline passed, 502 for anything else, with the peer's words cut short.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "control/api_types.h"
#include "sources/http_client.h"

namespace usdcop {

// The failure to reach or use `peer` ("Airflow") for `what` ("trigger usdcop_m5__01...").
ActionResult PeerFailure(const std::string& peer, const std::string& what, const Status& status);
// A peer's answer with an unexpected HTTP status; its body's `detail`/`error` text, when JSON,
// or its first 200 characters are quoted.
ActionResult PeerRefused(const std::string& peer, const std::string& what,
                         const HttpResponse& response);

// The text at `key` of a peer's JSON answer; "" when the answer is not an object, has no such key
// or holds another type there. (json::value(key, "") throws for another type: a peer's answer is
// outside input.)
std::string TextIn(const nlohmann::json& answer, const char* key);

}  // namespace usdcop
