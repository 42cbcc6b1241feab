#include "vendor/api.h"

#include <cmath>

#include "shared/http_util.h"
#include "shared/sim_time.h"

namespace usdcop::sim {
namespace {

constexpr double kMaxCredits = 1e9;

json VendorError(int code, const std::string& message) {
  return {{"code", code}, {"message", message}, {"status", "error"}};
}

const json kUnauthorized = VendorError(401,
                                       "**apikey** parameter is incorrect or not specified. You "
                                       "can get your free API key instantly following this "
                                       "link: https://twelvedata.com/pricing.");
const json kRateLimited = VendorError(429,
                                      "You have run out of API credits for the current minute. "
                                      "Wait for the next minute or consider switching to "
                                      "a higher tier plan at https://twelvedata.com/pricing.");

// A share of a limit as whole credits, rounded up (81 % of 8 is 7).
double Share(double limit, double percent) { return std::ceil(limit * percent / 100 - 1e-9); }

json UsageBody(double used, double limit, std::optional<double> daily,
               std::optional<double> daily_limit) {
  json j = {{"timestamp", FormatIsoZ(Now()).substr(0, 19).replace(10, 1, " ")},
            {"current_usage", used},
            {"plan_limit", limit},
            {"plan_category", daily_limit ? "basic" : "grow"}};
  if (daily && daily_limit) {
    j["daily_usage"] = *daily;
    j["plan_daily_limit"] = *daily_limit;
  }
  return j;
}

// Reads the usage fields of a control request into `key`.
void ReadUsage(FieldReader& body, double* used, double* limit, std::optional<double>* daily,
               std::optional<double>* daily_limit) {
  if (auto v = body.Number("current_usage", 0, kMaxCredits, false)) *used = *v;
  if (auto v = body.Number("plan_limit", 1, kMaxCredits, false)) *limit = *v;
  if (auto v = body.Number("daily_usage", 0, kMaxCredits, false)) *daily = *v;
  if (auto v = body.Number("plan_daily_limit", 1, kMaxCredits, false)) *daily_limit = *v;
}

}  // namespace

void VendorApi::Register(httplib::Server& server) {
  server.Get("/api_usage", [this](const Request& req, Response& res) { Usage(req, res); });
  auto bind = [this](void (VendorApi::*fn)(const Request&, Response&)) {
    return OptionalBody([this, fn](const Request& req, Response& res) { (this->*fn)(req, res); });
  };
  server.Post("/sim/vendor/keys", bind(&VendorApi::AddKey));
  server.Post("/sim/vendor/usage", bind(&VendorApi::SetUsage));
  server.Post("/sim/vendor/fault", bind(&VendorApi::SetFault));
  server.Get("/sim/vendor/state",
             [this](const Request&, Response& res) { ReplyJson(res, 200, Describe()); });
}

void VendorApi::Reset() {
  MutexLock lock(mu_);
  keys_.clear();
  unknown_key_calls_ = 0;
}

json VendorApi::Describe() const {
  MutexLock lock(mu_);
  json keys = json::object();
  for (const auto& [id, k] : keys_) {
    keys[id] = {
        {"calls", k.calls},
        {"current_usage", k.current_usage},
        {"plan_limit", k.plan_limit},
        {"daily_usage", k.daily_usage ? json(*k.daily_usage) : json(nullptr)},
        {"plan_daily_limit", k.plan_daily_limit ? json(*k.plan_daily_limit) : json(nullptr)},
        {"fault", kVendorFaultNames[k.fault]}};
  }
  return {{"keys", keys}, {"unknown_key_calls", unknown_key_calls_}};
}

void VendorApi::Usage(const Request& req, Response& res) {
  const std::string apikey = req.get_param_value("apikey");
  MutexLock lock(mu_);
  Key* key = nullptr;
  for (auto& [id, k] : keys_)
    if (!apikey.empty() && k.apikey == apikey) key = &k;
  if (key == nullptr) {
    ++unknown_key_calls_;
    return ReplyJson(res, 401, kUnauthorized);
  }
  ++key->calls;
  const Key& k = *key;
  switch (k.fault) {
    case VendorFault::kNone:
      return ReplyJson(res, 200,
                       UsageBody(k.current_usage, k.plan_limit, k.daily_usage, k.plan_daily_limit));
    case VendorFault::kUsage81:
    case VendorFault::kUsage96: {
      double pct = k.fault == VendorFault::kUsage81 ? 81 : 96;
      std::optional<double> daily;
      if (k.plan_daily_limit) daily = Share(*k.plan_daily_limit, pct);
      return ReplyJson(
          res, 200, UsageBody(Share(k.plan_limit, pct), k.plan_limit, daily, k.plan_daily_limit));
    }
    case VendorFault::kRateLimited429:
      return ReplyJson(res, 429, kRateLimited);
    case VendorFault::kRateLimited200:
      return ReplyJson(res, 200, kRateLimited);
    case VendorFault::kUnauthorized:
      return ReplyJson(res, 401, kUnauthorized);
    case VendorFault::kServerError:
      return ReplyJson(res, 500, VendorError(500, "Internal server error"));
    case VendorFault::kGarbage:
      res.status = 200;
      res.set_content("<html><body>502 Bad Gateway</body></html>", "text/html");
      return;
  }
}

void VendorApi::AddKey(const Request& req, Response& res) {
  FieldReader body(req.body);
  body.RejectUnknown(
      {"id", "apikey", "current_usage", "plan_limit", "daily_usage", "plan_daily_limit"});
  auto id = body.String("id", true);
  auto apikey = body.String("apikey", true);
  if (id && !IsValidId(*id)) body.Fail("id", "id must be 1..250 of letters, digits, _ - .");
  if (apikey && apikey->empty()) body.Fail("apikey", "apikey must not be empty");
  Key k;
  ReadUsage(body, &k.current_usage, &k.plan_limit, &k.daily_usage, &k.plan_daily_limit);
  if (!body.ok()) return ReplyError(res, body.error());
  k.apikey = *apikey;
  MutexLock lock(mu_);
  for (const auto& [other_id, other] : keys_)
    if (other_id != *id && other.apikey == k.apikey)
      return ReplyError(res, BadInput("apikey", "key " + other_id + " has that apikey already"));
  keys_[*id] = std::move(k);
  ReplyJson(res, 200, {{"id", *id}});
}

void VendorApi::SetUsage(const Request& req, Response& res) {
  FieldReader body(req.body);
  body.RejectUnknown({"id", "current_usage", "plan_limit", "daily_usage", "plan_daily_limit"});
  auto id = body.String("id", false);
  if (!body.ok()) return ReplyError(res, body.error());
  MutexLock lock(mu_);
  if (id && !keys_.count(*id)) return ReplyError(res, BadInput("id", "no key with id " + *id));
  for (auto& [key_id, k] : keys_) {
    if (id && key_id != *id) continue;
    FieldReader each(req.body);
    ReadUsage(each, &k.current_usage, &k.plan_limit, &k.daily_usage, &k.plan_daily_limit);
    if (!each.ok()) return ReplyError(res, each.error());
  }
  ReplyJson(res, 200, {{"keys", id ? 1 : keys_.size()}});
}

void VendorApi::SetFault(const Request& req, Response& res) {
  FieldReader body(req.body);
  body.RejectUnknown({"fault", "id"});
  auto fault = body.OneOf("fault", kVendorFaultNames, true);
  auto id = body.String("id", false);
  if (!body.ok()) return ReplyError(res, body.error());
  MutexLock lock(mu_);
  if (id && !keys_.count(*id)) return ReplyError(res, BadInput("id", "no key with id " + *id));
  for (auto& [key_id, k] : keys_)
    if (!id || key_id == *id) k.fault = *fault;
  ReplyJson(res, 200,
            {{"fault", kVendorFaultNames[*fault]}, {"id", id ? json(*id) : json(nullptr)}});
}

}  // namespace usdcop::sim
