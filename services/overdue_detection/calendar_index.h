// CalendarIndex: the engine's hot index of the days on which loans may need
// re-evaluating, so that closing a business day touches only the loans hinted
// for that day and never scans the book.
//
// It holds hints, not truth. The truth is each loan's next_boundary in the
// LoanStore; the engine checks it for every loan it takes from the index and
// skips a loan whose stored boundary is later (a stale hint). Hints are only
// ever added, never moved or removed before their day: so when a store
// transaction that rescheduled a loan rolls back, the hint for the loan's
// real (older) boundary is still there, and the index never needs undoing.
// The engine guarantees every loan with a stored boundary has a hint on or
// before it.
//
// Layout (the per-loan cost is what a 10M-loan book pays in RAM):
//  - per hinted day, a vector of uint32 handles;
//  - one int32 per loan handle: the last day hinted for it, which drops
//    repeated hints for the same day (a loan paid ten times before its
//    boundary stays one entry).
// About 8 bytes per scheduled loan plus vector slack and stale hints (one per
// reschedule until its day passes); see MemoryBytes().
//
// Not synchronized: owned by the engine, used under its mutex.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_CALENDAR_INDEX_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_CALENDAR_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/civil_time.h"
#include "services/overdue_detection/loan_store.h"

namespace arrears::overdue {

class CalendarIndex {
 public:
  // Hints that `handle` may need evaluating on `day`.
  void Add(LoanHandle handle, absl::CivilDay day);

  // The loans hinted for `day`, ascending, each once; the day's list is
  // released.
  std::vector<LoanHandle> TakeDue(absl::CivilDay day);

  // Hints held (stale ones included).
  size_t entries() const { return entries_; }
  // Handles known (the largest handle hinted + 1).
  size_t handle_slots() const { return last_day_by_handle_.size(); }
  // Heap bytes held, capacities included.
  size_t MemoryBytes() const;

 private:
  static constexpr int32_t kNone = INT32_MIN;
  static int32_t DayNumber(absl::CivilDay day);

  std::vector<int32_t> last_day_by_handle_;
  absl::flat_hash_map<int32_t, std::vector<LoanHandle>> handles_by_day_;
  size_t entries_ = 0;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_CALENDAR_INDEX_H_
