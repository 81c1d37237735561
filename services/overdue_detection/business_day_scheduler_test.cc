#include "services/overdue_detection/business_day_scheduler.h"

#include <atomic>
#include <vector>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/periodic_runner.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using D = absl::CivilDay;

class BusinessDaySchedulerTest : public ::testing::Test {
 protected:
  BusinessDayScheduler Scheduler(absl::Duration day_starts_after = absl::ZeroDuration()) {
    absl::TimeZone shanghai;
    EXPECT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &shanghai));
    return BusinessDayScheduler({.clock = &clock_,
                                 .time_zone = shanghai,
                                 .day_starts_after = day_starts_after,
                                 .business_date = [this] { return business_date_; },
                                 .close = [this](D day) -> absl::Status {
                                   if (!fail_.ok()) return fail_;
                                   closed_.push_back(day);
                                   business_date_ = day;
                                   return absl::OkStatus();
                                 }});
  }
  // `hour`:`minute` UTC on `day`.
  void SetUtc(D day, int hour, int minute = 0) {
    clock_.Set(absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute),
                               absl::UTCTimeZone()));
  }

  FakeClock clock_;
  D business_date_ = D(2024, 3, 10);
  std::vector<D> closed_;
  absl::Status fail_;
};

TEST_F(BusinessDaySchedulerTest, ClosesWhenTheLocalDateAdvances) {
  BusinessDayScheduler scheduler = Scheduler();
  SetUtc(D(2024, 3, 10), 15, 59);  // 23:59 in Shanghai
  EXPECT_THAT(scheduler.Tick(), IsOkAndHolds(absl::nullopt));
  SetUtc(D(2024, 3, 10), 16, 0);  // midnight in Shanghai, still Mar 10 in UTC
  EXPECT_THAT(scheduler.Tick(), IsOkAndHolds(D(2024, 3, 11)));
  EXPECT_THAT(scheduler.Tick(), IsOkAndHolds(absl::nullopt)) << "once per date";
  SetUtc(D(2024, 3, 14), 1, 0);  // the service was down for days
  EXPECT_THAT(scheduler.Tick(), IsOkAndHolds(D(2024, 3, 14)));
  EXPECT_THAT(closed_, ElementsAre(D(2024, 3, 11), D(2024, 3, 14)));
}

TEST_F(BusinessDaySchedulerTest, HonoursALaterStartOfDayAndReportsFailures) {
  BusinessDayScheduler scheduler = Scheduler(absl::Hours(2));
  SetUtc(D(2024, 3, 10), 17, 30);  // 01:30 on Mar 11 in Shanghai: before 02:00
  EXPECT_THAT(scheduler.Tick(), IsOkAndHolds(absl::nullopt));
  SetUtc(D(2024, 3, 10), 18, 0);
  fail_ = absl::UnavailableError("database busy");
  EXPECT_THAT(scheduler.Tick(), StatusIs(absl::StatusCode::kUnavailable));
  fail_ = absl::OkStatus();
  EXPECT_THAT(scheduler.Tick(), IsOkAndHolds(D(2024, 3, 11))) << "retried on the next tick";
}

TEST(PeriodicRunnerTest, RunsRepeatedlyUntilStopped) {
  absl::Mutex mu;
  int runs = 0;
  PeriodicRunner runner(absl::Milliseconds(1), [&] {
    absl::MutexLock lock(&mu);
    ++runs;
  });
  {
    absl::MutexLock lock(&mu);
    auto three = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return runs >= 3; };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&three), absl::Seconds(10)));
  }
  runner.Stop();
  runner.Stop();  // idempotent
}

TEST(PeriodicRunnerTest, StopWakesALongWait) {
  std::atomic<int> runs{0};
  const absl::Time start = absl::Now();
  {
    PeriodicRunner runner(absl::Hours(1), [&] { ++runs; });
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  EXPECT_EQ(runs.load(), 1) << "the first run is immediate";
}

}  // namespace
}  // namespace arrears::overdue
