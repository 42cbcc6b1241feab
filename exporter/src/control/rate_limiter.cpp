#include "control/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "common/units.h"

namespace usdcop {

void RateLimiter::SetRates(double per_second, double burst) {
  MutexLock lock(mu_);
  per_second_ = per_second;
  burst_ = burst;
  for (auto& [key, bucket] : buckets_) bucket.tokens = std::min(bucket.tokens, burst_);
}

std::optional<int> RateLimiter::Take(const std::string& key) {
  MutexLock lock(mu_);
  const SteadyTime now = clock_.SteadyNow();
  const double burst = burst_;
  const double per_second = per_second_;
  auto refill = [&](Bucket& b) {
    double elapsed = ToSeconds(now - b.at);
    if (elapsed > 0) b.tokens = std::min(burst, b.tokens + elapsed * per_second);
    b.at = std::max(b.at, now);
  };
  // Forget full buckets now and then, so that many callers (addresses) do not grow the map.
  if (now - last_sweep_ > std::chrono::seconds(60)) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      refill(it->second);
      it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
    }
    last_sweep_ = now;
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) refill(b);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / per_second_)));
}

}  // namespace usdcop
