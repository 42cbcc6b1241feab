// A stand-in for Twelve Data's usage API, on the simulator's port:
//   GET /api_usage?apikey=KEY  200 {"timestamp", "current_usage", "plan_limit", "plan_category",
//                              "daily_usage", "plan_daily_limit"} (the last two on a plan
//                              with a daily cap); an unknown or missing key: 401
//                              {"code": 401, "message", "status": "error"}
// and its control endpoint (no auth, JSON in and out, 400 {"error", "field"} on bad input):
//   POST /sim/vendor/keys   {"id", "apikey", "current_usage"?, "plan_limit"?, "daily_usage"?,
//                           "plan_daily_limit"?}: adds or replaces a known key
//   POST /sim/vendor/usage  {"id"?, "current_usage"?, "plan_limit"?, "daily_usage"?,
//                           "plan_daily_limit"?}: one key's usage, or every key's
//   POST /sim/vendor/fault  {"fault", "id"?}: none, usage_81, usage_96, rate_limited_429,
//                           rate_limited_200, unauthorized, server_error, garbage
//   GET  /sim/vendor/state  keys by id with their usage, fault and calls
// Keys are only ever named by id in answers and logs; the key itself is never echoed.
// Thread-safe: every handler takes the mutex.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/mutex.h"
#include "shared/enum_names.h"

namespace usdcop::sim {

enum class VendorFault {
  kNone,
  kUsage81,
  kUsage96,
  kRateLimited429,
  kRateLimited200,
  kUnauthorized,
  kServerError,
  kGarbage
};
inline constexpr EnumNames<VendorFault, 8> kVendorFaultNames({"none", "usage_81", "usage_96",
                                                              "rate_limited_429",
                                                              "rate_limited_200", "unauthorized",
                                                              "server_error", "garbage"});

class VendorApi {
 public:
  VendorApi() = default;
  VendorApi(const VendorApi&) = delete;
  VendorApi& operator=(const VendorApi&) = delete;

  void Register(httplib::Server& server);
  // Back to the start: no keys, no faults, no calls counted.
  void Reset();
  nlohmann::json Describe() const;

 private:
  using Request = httplib::Request;
  using Response = httplib::Response;

  struct Key {
    std::string apikey;
    double current_usage = 0;
    double plan_limit = 8;  // Twelve Data's Basic plan: 8 credits a minute, 800 a day
    std::optional<double> daily_usage = 0;
    std::optional<double> plan_daily_limit = 800;
    VendorFault fault = VendorFault::kNone;
    std::uint64_t calls = 0;
  };

  void Usage(const Request& req, Response& res);
  void AddKey(const Request& req, Response& res);
  void SetUsage(const Request& req, Response& res);
  void SetFault(const Request& req, Response& res);

  mutable Mutex mu_;
  std::map<std::string, Key> keys_ GUARDED_BY(mu_);  // by id
  std::uint64_t unknown_key_calls_ GUARDED_BY(mu_) = 0;
};

}  // namespace usdcop::sim
