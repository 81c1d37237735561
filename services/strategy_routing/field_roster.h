// FieldRoster: the field staff who make collection visits, by region, with
// their working days and visits per day — and the planner that books a visit
// for two of them.
//
// File (config/field_roster.yaml):
//   roster: <id>
//   horizon_days: <1..60>          how far ahead a visit may be booked
//   regions:
//     - region: CN-SH              roster region (ISO 3166-2, as addresses carry)
//       staff:
//         - {id: fs-sh-01, capacity_per_day: 3, days: [MON, TUE, WED, THU, FRI]}
// Validated on load with line/field errors (yaml_util.h): unique region and
// staff ids, capacity >= 1, known day names, at least two staff per region
// (a visit needs two).
//
// Booking rule (deterministic, so a replay books the same people): from the
// first day on, the first day on which at least two staff of the region work
// and have capacity left; on that day the two with the fewest visits booked,
// ties by staff id. Bookings live in the case store (field_visit_bookings),
// in the caller's transaction, so they commit with the visit order.
//
// Thread-safety: immutable after Create; Book is safe to call concurrently
// with distinct transactions.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_FIELD_ROSTER_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_FIELD_ROSTER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/strategy_routing/case_store.h"

namespace arrears::strategy {

struct FieldStaff {
  std::string id;
  int capacity_per_day = 0;
  // Indexed by absl::Weekday (Monday = 0 ... Sunday = 6).
  bool works[7] = {};
};

struct VisitSlot {
  absl::CivilDay day;
  // Exactly two.
  std::vector<std::string> staff_ids;
};

class FieldRoster {
 public:
  static absl::StatusOr<std::unique_ptr<FieldRoster>> Create(absl::string_view yaml);
  static absl::StatusOr<std::unique_ptr<FieldRoster>> CreateFromFile(const std::string& path);

  // Books two staff of `region` on the first possible day from `from` within
  // the horizon. nullopt when the region is unknown or full.
  absl::StatusOr<std::optional<VisitSlot>> Book(CaseStore& store, store::Transaction& txn,
                                                absl::string_view region,
                                                absl::CivilDay from) const;

  bool HasRegion(absl::string_view region) const;
  int horizon_days() const { return horizon_days_; }

 private:
  struct Region {
    std::string id;
    std::vector<FieldStaff> staff;
  };
  FieldRoster() = default;

  std::string id_;
  int horizon_days_ = 14;
  std::vector<Region> regions_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_FIELD_ROSTER_H_
