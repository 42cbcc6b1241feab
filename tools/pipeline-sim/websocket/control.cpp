#include "websocket/control.h"

#include "shared/http_util.h"
#include "shared/log.h"

namespace usdcop::sim {

void WsControl::Register(httplib::Server& server) {
  server.Post("/sim/websocket/fault",
              OptionalBody([this](const Request& req, Response& res) { SetFault(req, res); }));
  server.Get("/sim/websocket/state",
             [this](const Request& req, Response& res) { State(req, res); });
}

bool WsControl::Enabled(Response& res) const {
  if (server_ != nullptr) return true;
  ReplyError(res,
             Conflict("websocket",
                      "the WebSocket server is off: start pipeline-sim with --websocket.listen"));
  return false;
}

void WsControl::SetFault(const Request& req, Response& res) {
  if (!Enabled(res)) return;
  FieldReader body(req.body);
  auto setting = ParseWsFaultRequest(body);
  if (!setting.ok()) return ReplyError(res, setting.error());
  server_->SetFault(*setting);
  json described = DescribeWsFault(*setting);
  Log("websocket fault set: " + described.dump());
  ReplyJson(res, 200, described);
}

void WsControl::State(const Request&, Response& res) {
  if (!Enabled(res)) return;
  ReplyJson(res, 200, server_->Describe());
}

}  // namespace usdcop::sim
