// BusinessDayScheduler: closes the business day when the local date in the
// bank's time zone advances, so that the business date is always "today"
// there (and a repayment valued today applies at once).
//
// Tick() reads the injected clock: if the local date in `time_zone` of
// (now - day_starts_after) is after the business date, it closes to that
// date (every day in between is closed in order by the close itself). It is
// what a periodic runner (periodic_runner.h) calls; tests call it with a
// FakeClock. `day_starts_after` delays the switch past midnight (a bank that
// closes at 02:00 local time sets 2h).
//
// Thread-safe (the close function must be).
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_BUSINESS_DAY_SCHEDULER_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_BUSINESS_DAY_SCHEDULER_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/time/clock.h"

namespace arrears::overdue {

struct BusinessDaySchedulerOptions {
  // Not owned.
  const Clock* clock = nullptr;
  absl::TimeZone time_zone = absl::UTCTimeZone();
  absl::Duration day_starts_after = absl::ZeroDuration();
  // The current business date.
  std::function<absl::CivilDay()> business_date;
  // Closes up to the given date.
  std::function<absl::Status(absl::CivilDay)> close;
};

class BusinessDayScheduler {
 public:
  explicit BusinessDayScheduler(BusinessDaySchedulerOptions options)
      : options_(std::move(options)) {}

  // The date it closed to, nullopt when the business date was current, or
  // the close's error.
  absl::StatusOr<absl::optional<absl::CivilDay>> Tick();

  // The business date the clock says it is now.
  absl::CivilDay TargetDate() const;

 private:
  const BusinessDaySchedulerOptions options_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_BUSINESS_DAY_SCHEDULER_H_
