#include "services/overdue_detection/business_day_scheduler.h"

#include "common/status/status_macros.h"
#include "common/time/civil_date.h"

namespace arrears::overdue {

absl::CivilDay BusinessDayScheduler::TargetDate() const {
  return time::LocalDate(options_.clock->Now() - options_.day_starts_after, options_.time_zone);
}

absl::StatusOr<absl::optional<absl::CivilDay>> BusinessDayScheduler::Tick() {
  const absl::CivilDay target = TargetDate();
  if (target <= options_.business_date()) return absl::optional<absl::CivilDay>();
  ARREARS_RETURN_IF_ERROR(options_.close(target));
  return absl::optional<absl::CivilDay>(target);
}

}  // namespace arrears::overdue
