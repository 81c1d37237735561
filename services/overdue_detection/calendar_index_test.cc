#include "services/overdue_detection/calendar_index.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::overdue {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using D = absl::CivilDay;

TEST(CalendarIndexTest, TakesTheLoansDueOnADay) {
  CalendarIndex index;
  index.Schedule(3, D(2024, 3, 1));
  index.Schedule(1, D(2024, 3, 1));
  index.Schedule(2, D(2024, 3, 2));
  EXPECT_EQ(index.scheduled_loans(), 3u);
  EXPECT_THAT(index.TakeDue(D(2024, 2, 29)), IsEmpty());
  EXPECT_THAT(index.TakeDue(D(2024, 3, 1)), ElementsAre(1, 3));
  EXPECT_THAT(index.TakeDue(D(2024, 3, 1)), IsEmpty()) << "a day's list is released";
  EXPECT_THAT(index.TakeDue(D(2024, 3, 2)), ElementsAre(2));
}

TEST(CalendarIndexTest, ReschedulingLeavesNoGhosts) {
  CalendarIndex index;
  index.Schedule(7, D(2024, 3, 1));
  index.Schedule(7, D(2024, 3, 5));  // moved later: the Mar 1 entry is stale
  index.Schedule(8, D(2024, 3, 5));
  index.Schedule(8, D(2024, 3, 1));  // moved earlier and back
  index.Schedule(8, D(2024, 3, 5));
  index.Schedule(9, D(2024, 3, 1));
  index.Schedule(9, absl::nullopt);  // unscheduled
  EXPECT_EQ(index.scheduled_loans(), 2u);
  EXPECT_EQ(index.ScheduledDay(7), D(2024, 3, 5));
  EXPECT_EQ(index.ScheduledDay(9), absl::nullopt);
  EXPECT_EQ(index.ScheduledDay(100), absl::nullopt);
  EXPECT_THAT(index.TakeDue(D(2024, 3, 1)), IsEmpty());
  EXPECT_THAT(index.TakeDue(D(2024, 3, 5)), ElementsAre(7, 8)) << "each once";
}

TEST(CalendarIndexTest, CostsAboutEightBytesPerScheduledLoan) {
  CalendarIndex index;
  constexpr int kLoans = 100'000;
  for (LoanHandle h = 0; h < kLoans; ++h) {
    index.Schedule(h, D(2024, 1, 1) + h % 60);
  }
  const double per_loan = static_cast<double>(index.MemoryBytes()) / kLoans;
  EXPECT_GE(per_loan, 8.0);
  EXPECT_LE(per_loan, 16.0) << "vector slack included";
}

}  // namespace
}  // namespace arrears::overdue
