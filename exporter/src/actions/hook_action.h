// An action served by an operator hook (control.actions.<name>): the configured command, run
// without a shell, or HTTP call, with its own timeout. The command gets USDCOP_ACTION,
// USDCOP_REQUESTED_BY and USDCOP_PARAM_<FIELD> for each field of the request; an HTTP hook gets
// {"action", "requested_by", "params"} as its JSON body. The answer carries the exit status (or
// HTTP status) and the first 4 KiB of the output.
#pragma once

#include <string>

#include "control/api_types.h"
#include "control/control_config.h"
#include "sources/http_client.h"

namespace usdcop {

ActionResult RunHookAction(const ActionCall& call, const std::string& action,
                           const HookConfig& hook, HttpClient& http);

}  // namespace usdcop
