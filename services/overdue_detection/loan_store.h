// LoanStore: where the overdue detection engine keeps each loan's facts and
// the memo of its last evaluation, and the current business date. The seam
// between the engine (pure domain logic) and persistence: InMemoryLoanStore
// serves tests and benchmarks; a SQLite repository implements it for the
// service (sqlite_loan_store.h), inside the service's "apply event + record
// it + enqueue outbound events" transaction.
//
// Handles: Insert() gives each loan a LoanHandle, a small integer the engine
// uses in its hot calendar index instead of the loan id (4 bytes instead of a
// string). Handles must be dense (0, 1, 2, ... in insertion order, as SQLite
// rowids - 1 are) because the engine keeps one 4-byte slot per handle value.
//
// Contract: Load() returns what the last Insert()/Update() of that handle
// stored. Implementations report their own failures as Unavailable/Internal;
// Find() of an unknown id is OK with nullopt, Load() of an unknown handle is
// NotFound. The engine calls a store from one thread at a time (under its own
// mutex); implementations need no further synchronization unless they are
// shared with other readers.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_STORE_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_STORE_H_

#include <cstdint>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/optional.h"
#include "services/overdue_detection/delinquency_status.h"
#include "services/overdue_detection/loan.h"
#include "services/overdue_detection/loan_position.h"

namespace arrears::overdue {

using LoanHandle = uint32_t;

// Everything the engine keeps about one loan.
struct LoanRecord {
  explicit LoanRecord(Loan loan) : loan(std::move(loan)) {}

  // The facts (cold data: schedule, repayments, ...).
  Loan loan;
  // The loan's status at `evaluated_on`, the business date the engine last
  // evaluated it (on a loan event or at a close); it stays valid until
  // `next_boundary`, so it is what the next evaluation compares against.
  StatusSummary status;
  absl::CivilDay evaluated_on;
  // Bucket and class periods as of evaluated_on (equal to those of any later
  // date before next_boundary, whose open periods simply continue).
  DelinquencyHistory history;
  // loan_sequence of the last delinquency event emitted; 0 = none yet.
  int64_t event_sequence = 0;
  // When the calendar index must wake the loan; nullopt = never (closed, or
  // charged off with nothing pending).
  absl::optional<absl::CivilDay> next_boundary;
};

class LoanStore {
 public:
  virtual ~LoanStore() = default;

  virtual absl::StatusOr<absl::optional<LoanHandle>> Find(absl::string_view loan_id) = 0;
  // AlreadyExists when record.loan.loan_id() is stored.
  virtual absl::StatusOr<LoanHandle> Insert(const LoanRecord& record) = 0;
  virtual absl::StatusOr<LoanRecord> Load(LoanHandle handle) = 0;
  // NotFound for an unknown handle.
  virtual absl::Status Update(LoanHandle handle, const LoanRecord& record) = 0;

  // nullopt before the first SaveBusinessDate().
  virtual absl::StatusOr<absl::optional<absl::CivilDay>> LoadBusinessDate() = 0;
  virtual absl::Status SaveBusinessDate(absl::CivilDay date) = 0;

  // Calls `visit` for every stored loan with its next_boundary, to rebuild
  // the calendar index at start-up (a scan of one small column in SQL).
  virtual absl::Status ForEachNextBoundary(
      absl::FunctionRef<void(LoanHandle, absl::optional<absl::CivilDay>)> visit) = 0;

  // Calls `visit` for every stored loan in handle order, for reports that
  // scan the book; stops at (and returns) the first error of `visit`.
  virtual absl::Status ForEachRecord(
      absl::FunctionRef<absl::Status(LoanHandle, const LoanRecord&)> visit) = 0;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_STORE_H_
