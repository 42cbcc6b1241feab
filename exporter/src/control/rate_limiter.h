// A token bucket per caller: `burst` requests at once, refilled at `per_second`. Callers are
// the token's name, or the client's address for requests without a valid token, so that
// guessing tokens is limited too. Buckets full again are forgotten. A reload keeps the buckets
// (SetRates). Time is the Clock's monotonic time. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/mutex.h"

namespace usdcop {

class RateLimiter {
 public:
  // `clock` outlives the limiter.
  RateLimiter(const Clock& clock, double per_second, double burst)
      : clock_(clock), per_second_(per_second), burst_(burst) {}

  // New rates for the buckets as they are (a reload): a caller who used up its bucket does not
  // get a full one back; a bucket over the new burst is cut to it.
  void SetRates(double per_second, double burst);

  // Takes one request from `key`'s bucket: nullopt when allowed, else the whole seconds to wait
  // (at least 1), for Retry-After.
  std::optional<int> Take(const std::string& key);

 private:
  struct Bucket {
    double tokens;
    SteadyTime at;
  };
  const Clock& clock_;
  Mutex mu_;
  double per_second_ GUARDED_BY(mu_);
  double burst_ GUARDED_BY(mu_);
  std::map<std::string, Bucket> buckets_ GUARDED_BY(mu_);
  SteadyTime last_sweep_ GUARDED_BY(mu_){};
};

}  // namespace usdcop
