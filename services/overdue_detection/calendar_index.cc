#include "services/overdue_detection/calendar_index.h"

#include <algorithm>
#include <utility>

namespace arrears::overdue {

int32_t CalendarIndex::DayNumber(absl::CivilDay day) {
  return static_cast<int32_t>(day - absl::CivilDay(1970, 1, 1));
}

void CalendarIndex::Schedule(LoanHandle handle, absl::optional<absl::CivilDay> day) {
  if (handle >= day_by_handle_.size()) {
    day_by_handle_.resize(handle + 1, kUnscheduled);
  }
  int32_t& slot = day_by_handle_[handle];
  const int32_t target = day.has_value() ? DayNumber(*day) : kUnscheduled;
  if (slot == target) {
    return;
  }
  if (slot == kUnscheduled) {
    ++scheduled_loans_;
  }
  if (target == kUnscheduled) {
    --scheduled_loans_;
  }
  slot = target;
  if (target != kUnscheduled) {
    handles_by_day_[target].push_back(handle);
  }
}

absl::optional<absl::CivilDay> CalendarIndex::ScheduledDay(LoanHandle handle) const {
  if (handle >= day_by_handle_.size() || day_by_handle_[handle] == kUnscheduled) {
    return absl::nullopt;
  }
  return absl::CivilDay(1970, 1, 1) + day_by_handle_[handle];
}

std::vector<LoanHandle> CalendarIndex::TakeDue(absl::CivilDay day) {
  const int32_t number = DayNumber(day);
  auto it = handles_by_day_.find(number);
  if (it == handles_by_day_.end()) {
    return {};
  }
  std::vector<LoanHandle> due = std::move(it->second);
  handles_by_day_.erase(it);
  due.erase(std::remove_if(due.begin(), due.end(),
                           [&](LoanHandle h) { return day_by_handle_[h] != number; }),
            due.end());
  std::sort(due.begin(), due.end());
  due.erase(std::unique(due.begin(), due.end()), due.end());
  return due;
}

size_t CalendarIndex::MemoryBytes() const {
  size_t bytes = day_by_handle_.capacity() * sizeof(int32_t);
  bytes += handles_by_day_.bucket_count() *
           (sizeof(std::pair<const int32_t, std::vector<LoanHandle>>) + 1);
  for (const auto& [day, handles] : handles_by_day_) {
    bytes += handles.capacity() * sizeof(LoanHandle);
  }
  return bytes;
}

}  // namespace arrears::overdue
