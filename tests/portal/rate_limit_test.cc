#include "portal/rate_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace periscope::portal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A clock the test moves by hand.
class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(milliseconds(now_ms_.load()));
  }
  void Advance(milliseconds d) { now_ms_ += d.count(); }

 private:
  std::atomic<int64_t> now_ms_{1'800'000'000'000};
};

TEST(RateLimiterTest, NewKeyHasTheBurstThenRefusesWithRetryAfter) {
  FakeClock clock;
  RateLimiter limiter({.burst = 3, .refill_per_second = 0.5, .max_keys = 100}, clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("10.0.0.1")) << i;
  int retry_after = -1;
  EXPECT_FALSE(limiter.Allow("10.0.0.1", 1, &retry_after));
  EXPECT_EQ(retry_after, 2);                // one token at 0.5 per second
  EXPECT_FALSE(limiter.Allow("10.0.0.1"));  // without retry_after too
  // Other keys are not affected.
  EXPECT_TRUE(limiter.Allow("10.0.0.2"));
}

TEST(RateLimiterTest, RefillsWithTimeUpToTheBurst) {
  FakeClock clock;
  RateLimiter limiter({.burst = 2, .refill_per_second = 1, .max_keys = 100}, clock);
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_FALSE(limiter.Allow("k"));
  clock.Advance(milliseconds(999));
  int retry_after = 0;
  EXPECT_FALSE(limiter.Allow("k", 1, &retry_after));
  EXPECT_EQ(retry_after, 1);  // 0.001 s left rounds up to a whole second
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_FALSE(limiter.Allow("k"));
  clock.Advance(seconds(3600));  // a long pause refills only up to the burst
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_FALSE(limiter.Allow("k"));
}

TEST(RateLimiterTest, CostTakesSeveralTokensOrNone) {
  FakeClock clock;
  RateLimiter limiter({.burst = 5, .refill_per_second = 1, .max_keys = 100}, clock);
  EXPECT_TRUE(limiter.Allow("k", 3));
  int retry_after = 0;
  EXPECT_FALSE(limiter.Allow("k", 3, &retry_after));  // 2 left: nothing taken
  EXPECT_EQ(retry_after, 1);
  EXPECT_TRUE(limiter.Allow("k", 2));
  EXPECT_FALSE(limiter.Allow("k", 0.5));
}

TEST(RateLimiterTest, AClockStepBackRefillsNothingAndDoesNotStall) {
  FakeClock clock;
  RateLimiter limiter({.burst = 2, .refill_per_second = 1, .max_keys = 100}, clock);
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_TRUE(limiter.Allow("k"));
  clock.Advance(-seconds(3600));
  EXPECT_FALSE(limiter.Allow("k"));
  clock.Advance(milliseconds(500));
  EXPECT_FALSE(limiter.Allow("k"));
  // Counting goes on from the new time: a second after the step one token is back,
  // without waiting the hour for the clock to catch up.
  clock.Advance(milliseconds(500));
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_FALSE(limiter.Allow("k"));
}

TEST(RateLimiterTest, ZeroRefillNeverRecoversAndSaysSo) {
  FakeClock clock;
  RateLimiter limiter({.burst = 1, .refill_per_second = 0, .max_keys = 100}, clock);
  EXPECT_TRUE(limiter.Allow("k"));
  clock.Advance(seconds(1'000'000));
  int retry_after = 0;
  EXPECT_FALSE(limiter.Allow("k", 1, &retry_after));
  EXPECT_GE(retry_after, 1);
}

TEST(RateLimiterTest, BeyondMaxKeysIdleKeysAreDroppedBeforeBusyOnes) {
  FakeClock clock;
  RateLimiter limiter({.burst = 2, .refill_per_second = 0.001, .max_keys = 10}, clock);
  // An abuser empties its bucket first; then many one-off keys come along.
  EXPECT_TRUE(limiter.Allow("abuser"));
  EXPECT_TRUE(limiter.Allow("abuser"));
  EXPECT_FALSE(limiter.Allow("abuser"));
  for (int i = 0; i < 100; ++i) {
    clock.Advance(milliseconds(10));
    EXPECT_TRUE(limiter.Allow("one-off-" + std::to_string(i)));
    EXPECT_TRUE(limiter.Allow("one-off-" + std::to_string(i)));  // now empty too
    if (i % 5 == 0) {
      EXPECT_FALSE(limiter.Allow("abuser")) << i;  // still recently used: kept
    }
  }
  // The oldest one-off keys were dropped: they start full again.
  EXPECT_TRUE(limiter.Allow("one-off-0"));
  EXPECT_TRUE(limiter.Allow("one-off-0"));
}

TEST(RateLimiterTest, FullBucketsAreDroppedBeforeOlderEmptyOnes) {
  FakeClock clock;
  RateLimiter limiter({.burst = 10, .refill_per_second = 1, .max_keys = 3}, clock);
  EXPECT_TRUE(limiter.Allow("old-and-empty", 10));
  clock.Advance(milliseconds(100));
  EXPECT_TRUE(limiter.Allow("a", 0.5));
  EXPECT_TRUE(limiter.Allow("b", 0.5));
  clock.Advance(seconds(1));  // "a", "b" full again; "old-and-empty" holds 1.1
  EXPECT_TRUE(limiter.Allow("c"));
  // The least recently used key was kept, still nearly empty (not reset to a
  // full bucket), because dropping the full ones made room.
  int retry_after = 0;
  EXPECT_FALSE(limiter.Allow("old-and-empty", 5, &retry_after));
  EXPECT_EQ(retry_after, 4);  // 3.9 tokens missing at one per second
}

TEST(RateLimiterTest, ManyThreadsNeverGetMoreThanTheBurst) {
  FakeClock clock;  // frozen: no refill
  RateLimiter limiter({.burst = 100, .refill_per_second = 1, .max_keys = 1000}, clock);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (limiter.Allow("shared")) ++allowed;
        limiter.Allow("own-" + std::to_string(i));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace periscope::portal
