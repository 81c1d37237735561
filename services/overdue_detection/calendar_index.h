// CalendarIndex: the engine's hot index of when each loan next needs looking
// at, so that closing a business day touches only the loans due that day and
// never scans the book.
//
// Layout (the per-loan cost is what a 10M-loan book pays in RAM):
//  - one int32 per loan handle: its scheduled day (days since 1970-01-01);
//  - per scheduled day, a vector of uint32 handles.
// 8 bytes per scheduled loan plus vector slack: 11.5 bytes per loan measured
// with 1M loans; see MemoryBytes().
//
// Rescheduling is lazy: moving a loan to another day appends it to the new
// day's list and leaves a stale entry in the old one; TakeDue() drops entries
// whose loan is no longer scheduled for that day and duplicates. Stale
// entries are bounded by the reschedules between two closes.
//
// Not synchronized: owned by the engine, used under its mutex.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_CALENDAR_INDEX_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_CALENDAR_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/civil_time.h"
#include "absl/types/optional.h"
#include "services/overdue_detection/loan_store.h"

namespace arrears::overdue {

class CalendarIndex {
 public:
  // Schedules `handle` for `day`, replacing its previous day; nullopt
  // unschedules it.
  void Schedule(LoanHandle handle, absl::optional<absl::CivilDay> day);
  absl::optional<absl::CivilDay> ScheduledDay(LoanHandle handle) const;

  // The loans scheduled for `day`, ascending, each once; the day's list is
  // released. They stay scheduled for `day` until Schedule() moves them.
  std::vector<LoanHandle> TakeDue(absl::CivilDay day);

  // Loans with a scheduled day.
  size_t scheduled_loans() const { return scheduled_loans_; }
  // Handles known (the largest handle + 1).
  size_t handle_slots() const { return day_by_handle_.size(); }
  // Heap bytes held, capacities included.
  size_t MemoryBytes() const;

 private:
  static constexpr int32_t kUnscheduled = INT32_MAX;
  static int32_t DayNumber(absl::CivilDay day);

  std::vector<int32_t> day_by_handle_;
  absl::flat_hash_map<int32_t, std::vector<LoanHandle>> handles_by_day_;
  size_t scheduled_loans_ = 0;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_CALENDAR_INDEX_H_
