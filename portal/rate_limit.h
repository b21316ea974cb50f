// Token-bucket rate limits keyed by a string (a client address, an account),
// in memory, safe to call from several threads. A portal restart forgets
// them; account lockout after failed sign-ins is in the store instead.
#ifndef PERISCOPE_PORTAL_RATE_LIMIT_H_
#define PERISCOPE_PORTAL_RATE_LIMIT_H_

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace periscope::portal {

struct RateLimitOptions {
  double burst = 20;             // tokens a new key starts with, and the most it holds
  double refill_per_second = 1;  // tokens added per second
  size_t max_keys = 100000;      // least recently used keys are dropped beyond it
};

class RateLimiter {
 public:
  RateLimiter(RateLimitOptions options, const Clock& clock);

  // Takes `cost` tokens from the key's bucket: true when it had them. When not,
  // nothing is taken and *retry_after_s (if given) is set to the whole seconds
  // (>= 1) until it will have them.
  bool Allow(std::string_view key, double cost = 1, int* retry_after_s = nullptr);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::system_clock::time_point refilled_at;  // a step back refills nothing
  };
  RateLimitOptions options_;
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace periscope::portal

#endif  // PERISCOPE_PORTAL_RATE_LIMIT_H_
