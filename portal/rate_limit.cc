#include "portal/rate_limit.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <utility>
#include <vector>

namespace periscope::portal {
namespace {

using std::chrono::system_clock;

// The tokens a bucket holds at `now`. A clock step back (now before
// refilled_at) adds nothing; the caller then restarts the count from `now`, so
// the bucket neither gains tokens nor stalls until the clock catches up.
double TokensAt(double tokens, system_clock::time_point refilled_at, double burst,
                double refill_per_second, system_clock::time_point now) {
  if (now <= refilled_at) return tokens;
  double elapsed_s = std::chrono::duration<double>(now - refilled_at).count();
  return std::min(burst, tokens + elapsed_s * std::max(0.0, refill_per_second));
}

}  // namespace

RateLimiter::RateLimiter(RateLimitOptions options, const Clock& clock)
    : options_(options), clock_(clock) {
  if (options_.max_keys == 0) options_.max_keys = 1;
}

bool RateLimiter::Allow(std::string_view key, double cost, int* retry_after_s) {
  std::lock_guard<std::mutex> lock(mu_);
  system_clock::time_point now = clock_.Now();
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_keys) {
      // Sweeps down to 90% of the limit at once, so that the O(n) sweep runs
      // once per max_keys/10 new keys. Full buckets go first (dropping them
      // loses nothing: a new key starts full), then the least recently used.
      size_t target = options_.max_keys - options_.max_keys / 10;
      if (target > 0) --target;
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        bool full = TokensAt(b->second.tokens, b->second.refilled_at, options_.burst,
                             options_.refill_per_second, now) >= options_.burst;
        b = full ? buckets_.erase(b) : std::next(b);
      }
      if (buckets_.size() > target) {
        std::vector<std::pair<system_clock::time_point, std::string>> by_use;
        by_use.reserve(buckets_.size());
        for (const auto& [name, bucket] : buckets_) by_use.emplace_back(bucket.refilled_at, name);
        size_t drop = buckets_.size() - target;
        std::nth_element(by_use.begin(), by_use.begin() + static_cast<ptrdiff_t>(drop - 1),
                         by_use.end());
        for (size_t i = 0; i < drop; ++i) buckets_.erase(by_use[i].second);
      }
    }
    Bucket fresh;
    fresh.tokens = options_.burst;
    fresh.refilled_at = now;
    it = buckets_.emplace(std::string(key), fresh).first;
  }
  Bucket& bucket = it->second;
  // refilled_at doubles as the time of last use, for the sweep above.
  bucket.tokens =
      TokensAt(bucket.tokens, bucket.refilled_at, options_.burst, options_.refill_per_second, now);
  bucket.refilled_at = now;
  if (bucket.tokens >= cost) {
    bucket.tokens -= cost;
    return true;
  }
  if (retry_after_s != nullptr) {
    double wait_s = options_.refill_per_second > 0
                        ? std::ceil((cost - bucket.tokens) / options_.refill_per_second)
                        : static_cast<double>(INT_MAX);
    *retry_after_s = static_cast<int>(std::clamp(wait_s, 1.0, static_cast<double>(INT_MAX)));
  }
  return false;
}

}  // namespace periscope::portal
