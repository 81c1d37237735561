#include <set>

#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contact_channels/circuit_breaker.h"
#include "services/contact_channels/rate_limiter.h"
#include "services/contact_channels/retry_policy.h"

namespace arrears::contact {
namespace {

TEST(TokenBucketTest, BurstThenRefillAtRate) {
  FakeClock clock;
  TokenBucket bucket(&clock, /*rate_per_second=*/10, /*burst=*/3);
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
  EXPECT_EQ(bucket.NextAvailable(), clock.Now() + absl::Milliseconds(100));
  clock.Advance(absl::Milliseconds(99));
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
  // A long idle period refills only up to the burst.
  clock.Advance(absl::Hours(1));
  int taken = 0;
  while (bucket.TryAcquire()) ++taken;
  EXPECT_EQ(taken, 3);
}

TEST(TokenBucketTest, SustainedRateOverOneSecond) {
  FakeClock clock;
  TokenBucket bucket(&clock, 50, 1);
  int taken = 0;
  for (int ms = 0; ms < 1000; ++ms) {
    while (bucket.TryAcquire()) ++taken;
    clock.Advance(absl::Milliseconds(1));
  }
  EXPECT_EQ(taken, 50);
}

TEST(CircuitBreakerTest, OpensAfterThresholdAndRecoversThroughHalfOpen) {
  FakeClock clock;
  CircuitBreaker breaker(&clock, {.failure_threshold = 3, .cool_down = absl::Seconds(10)});
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(breaker.AllowRequest());
    breaker.RecordFailure();
  }
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  ASSERT_TRUE(breaker.AllowRequest());
  breaker.RecordFailure();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(breaker.AllowRequest());
  EXPECT_EQ(breaker.RetryAt(), clock.Now() + absl::Seconds(10));

  clock.Advance(absl::Seconds(10));
  EXPECT_TRUE(breaker.AllowRequest());  // the probe
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kHalfOpen);
  EXPECT_FALSE(breaker.AllowRequest());  // one probe at a time
  breaker.RecordFailure();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(breaker.AllowRequest());

  clock.Advance(absl::Seconds(10));
  EXPECT_TRUE(breaker.AllowRequest());
  breaker.RecordSuccess();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(breaker.AllowRequest());
}

TEST(CircuitBreakerTest, SuccessResetsConsecutiveFailures) {
  FakeClock clock;
  CircuitBreaker breaker(&clock, {.failure_threshold = 2, .cool_down = absl::Seconds(1)});
  breaker.RecordFailure();
  breaker.RecordSuccess();
  breaker.RecordFailure();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  breaker.RecordFailure();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
}

TEST(RetryPolicyTest, FullJitterWithinExponentialCeilingAndBoundedAttempts) {
  RetryPolicy policy({.max_attempts = 6,
                      .initial_backoff = absl::Seconds(1),
                      .max_backoff = absl::Seconds(10),
                      .multiplier = 2},
                     /*seed=*/42);
  const absl::Duration ceilings[] = {absl::Seconds(1), absl::Seconds(2), absl::Seconds(4),
                                     absl::Seconds(8), absl::Seconds(10)};
  for (int failed = 1; failed <= 5; ++failed) {
    std::set<int64_t> seen;
    for (int i = 0; i < 200; ++i) {
      std::optional<absl::Duration> delay = policy.NextDelay(failed);
      ASSERT_TRUE(delay.has_value());
      EXPECT_GE(*delay, absl::ZeroDuration());
      EXPECT_LE(*delay, ceilings[failed - 1]);
      seen.insert(absl::ToInt64Microseconds(*delay));
    }
    EXPECT_GT(seen.size(), 150u) << "jitter should spread delays";
  }
  EXPECT_FALSE(policy.NextDelay(6).has_value());
  EXPECT_FALSE(policy.NextDelay(0).has_value());
}

TEST(RetryPolicyTest, AProviderRequestedWaitIsAFloorUpToItsCap) {
  RetryPolicy policy({.max_attempts = 3,
                      .initial_backoff = absl::Seconds(1),
                      .max_backoff = absl::Seconds(10),
                      .max_retry_after = absl::Minutes(30)},
                     /*seed=*/1);
  EXPECT_EQ(policy.NextDelay(1, absl::Minutes(5)), absl::Minutes(5));
  EXPECT_EQ(policy.NextDelay(1, absl::Hours(24)), absl::Minutes(30)) << "capped";
  std::optional<absl::Duration> jittered = policy.NextDelay(2, absl::ZeroDuration());
  ASSERT_TRUE(jittered.has_value());
  EXPECT_LE(*jittered, absl::Seconds(2)) << "a zero wait leaves the backoff alone";
  EXPECT_FALSE(policy.NextDelay(3, absl::Minutes(1)).has_value()) << "the budget still ends";
}

TEST(RetryPolicyTest, SameSeedSameDelays) {
  RetryPolicy a({}, 7), b({}, 7);
  for (int i = 1; i < 8; ++i) EXPECT_EQ(a.NextDelay(i), b.NextDelay(i));
}

}  // namespace
}  // namespace arrears::contact
