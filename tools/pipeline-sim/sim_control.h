// POST /sim/reset and GET /sim/state over every simulated part: each part registers how to go
// back to its starting state and how to describe itself. Register parts before serving; the
// handlers are then thread-safe as long as the parts' callbacks are.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace usdcop::sim {

class SimControl {
 public:
  using ResetFn = std::function<void()>;
  using StateFn = std::function<nlohmann::json()>;

  void AddPart(std::string name, ResetFn reset, StateFn state);
  void Register(httplib::Server& server);

 private:
  struct Part {
    std::string name;
    ResetFn reset;
    StateFn state;
  };
  std::vector<Part> parts_;  // fixed once serving
};

}  // namespace usdcop::sim
