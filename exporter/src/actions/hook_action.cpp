#include "actions/hook_action.h"

#include <cctype>

#include "actions/hook_runner.h"
#include "actions/peer_result.h"

namespace usdcop {
namespace {

using nlohmann::json;

std::string EnvName(const std::string& field) {
  std::string out = "USDCOP_PARAM_";
  for (char c : field)
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  return out;
}

}  // namespace

ActionResult RunHookAction(const ActionCall& call, const std::string& action,
                           const HookConfig& hook, HttpClient& http) {
  const Deadline deadline = Deadline::After(hook.timeout, call.deadline.cancelled);
  if (!hook.command.empty()) {
    CommandSpec spec;
    spec.argv = hook.command;
    spec.env = {{"USDCOP_ACTION", action}, {"USDCOP_REQUESTED_BY", call.caller.name}};
    for (const auto& [field, value] : call.params.items())
      spec.env.emplace_back(EnvName(field),
                            value.is_string() ? value.get<std::string>() : value.dump());
    auto r = RunCommand(spec, deadline);
    if (!r.ok()) return PeerFailure("hook", action + " (" + hook.command.front() + ")", r.status());
    json body = {{"action", action},
                 {"hook", "command"},
                 {"program", hook.command.front()},
                 {"exit_code", r->exit_code ? json(*r->exit_code) : json()},
                 {"signal", r->signal ? json(*r->signal) : json()},
                 {"timed_out", r->timed_out},
                 {"output", r->output},
                 {"output_truncated_bytes", r->output_truncated_bytes},
                 {"duration_seconds", r->duration_seconds}};
    std::string summary = r->timed_out   ? "timed out after " + FormatDuration(hook.timeout)
                          : r->exit_code ? "exit " + std::to_string(*r->exit_code)
                                         : "signal " + std::to_string(r->signal.value_or(0));
    if (!r->success()) body["error"] = "the hook " + hook.command.front() + " failed: " + summary;
    return {r->success() ? 200 : r->timed_out ? 504 : 502, body, action + " hook " + summary};
  }
  HttpHookSpec spec;
  spec.method = hook.method;
  spec.url = hook.url;
  spec.json_body =
      json{{"action", action}, {"requested_by", call.caller.name}, {"params", call.params}}.dump();
  if (!hook.bearer_token.empty()) spec.bearer_token = hook.bearer_token;
  spec.ca_file = hook.ca_file;
  auto r = CallHttpHook(http, spec, deadline);
  if (!r.ok())
    return PeerFailure("hook", action + " (" + UrlPathForLog(hook.url) + ")", r.status());
  json body = {{"action", action},
               {"hook", "http"},
               {"status", r->status},
               {"output", r->body},
               {"output_truncated_bytes", r->body_truncated_bytes},
               {"duration_seconds", r->duration_seconds}};
  std::string summary = "HTTP " + std::to_string(r->status);
  if (!r->success()) body["error"] = "the hook " + UrlPathForLog(hook.url) + " answered " + summary;
  return {r->success() ? 200 : 502, body, action + " hook " + summary};
}

}  // namespace usdcop
