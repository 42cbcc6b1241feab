#include "sim_control.h"

#include "shared/http_util.h"
#include "shared/log.h"

namespace usdcop::sim {

void SimControl::AddPart(std::string name, ResetFn reset, StateFn state) {
  parts_.push_back({std::move(name), std::move(reset), std::move(state)});
}

void SimControl::Register(httplib::Server& server) {
  server.Post("/sim/reset", OptionalBody([this](const httplib::Request&, httplib::Response& res) {
                json names = json::array();
                for (const Part& part : parts_) {
                  part.reset();
                  names.push_back(part.name);
                }
                Log("reset to the starting state");
                ReplyJson(res, 200, {{"reset", names}});
              }));
  server.Get("/sim/state", [this](const httplib::Request&, httplib::Response& res) {
    json state = json::object();
    for (const Part& part : parts_) state[part.name] = part.state();
    ReplyJson(res, 200, state);
  });
}

}  // namespace usdcop::sim
