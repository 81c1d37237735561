#include "services/overdue_detection/calendar_index.h"

#include <algorithm>
#include <utility>

namespace arrears::overdue {

int32_t CalendarIndex::DayNumber(absl::CivilDay day) {
  return static_cast<int32_t>(day - absl::CivilDay(1970, 1, 1));
}

void CalendarIndex::Add(LoanHandle handle, absl::CivilDay day) {
  if (handle >= last_day_by_handle_.size()) {
    last_day_by_handle_.resize(handle + 1, kNone);
  }
  const int32_t number = DayNumber(day);
  // The hint for this day is still listed: days are only taken once the
  // business date reaches them, and the engine hints only later days.
  if (last_day_by_handle_[handle] == number) return;
  last_day_by_handle_[handle] = number;
  handles_by_day_[number].push_back(handle);
  ++entries_;
}

std::vector<LoanHandle> CalendarIndex::TakeDue(absl::CivilDay day) {
  auto it = handles_by_day_.find(DayNumber(day));
  if (it == handles_by_day_.end()) {
    return {};
  }
  std::vector<LoanHandle> due = std::move(it->second);
  handles_by_day_.erase(it);
  entries_ -= due.size();
  std::sort(due.begin(), due.end());
  due.erase(std::unique(due.begin(), due.end()), due.end());
  return due;
}

size_t CalendarIndex::MemoryBytes() const {
  size_t bytes = last_day_by_handle_.capacity() * sizeof(int32_t);
  bytes += handles_by_day_.bucket_count() *
           (sizeof(std::pair<const int32_t, std::vector<LoanHandle>>) + 1);
  for (const auto& [day, handles] : handles_by_day_) {
    bytes += handles.capacity() * sizeof(LoanHandle);
  }
  return bytes;
}

}  // namespace arrears::overdue
