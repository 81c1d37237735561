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
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "services/overdue_detection/delinquency_status.h"
#include "services/overdue_detection/loan.h"
#include "services/overdue_detection/loan_position.h"
#include "services/overdue_detection/planned_notice.h"
#include "services/overdue_detection/snapshot.h"

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
  // charged off with nothing pending). The earlier of status_boundary and
  // the first planned notice's day.
  absl::optional<absl::CivilDay> next_boundary;
  // When the loan needs a full evaluation (NextBoundary, ledger.h; without
  // the notice days while planned_notices covers them).
  absl::optional<absl::CivilDay> status_boundary;
  // The loan's pre-due notices before status_boundary, worked out at the
  // last evaluation (planned_notice.h); emitted and dropped by the closes of
  // their days.
  std::vector<PlannedNotice> planned_notices;
  // When the engine last changed the loan (update_time of its
  // LoanDelinquency): a loan event recorded (not a repeat) or a delinquency
  // event other than a notice emitted, at the engine clock's time.
  absl::optional<absl::Time> last_changed_at;
};

// What the close needs to emit a loan's planned notices, without the facts:
// its identity and the fields such a close changes. Stores keep it apart
// from the record so that reading and writing it is cheap.
struct LoanBrief {
  std::string loan_id;
  std::string customer_id;
  std::string product_code;
  std::string branch_id;
  std::string currency_code;
  std::string time_zone;
  // As in LoanRecord; UpdateBrief() writes these three.
  int64_t event_sequence = 0;
  absl::optional<absl::CivilDay> next_boundary;
  std::vector<PlannedNotice> planned_notices;
  // Planned notices that follow planned_notices, still encoded: a store's
  // LoadBrief decodes only the notices of the earliest day and the first
  // one after it (LoanRecordCodec::DecodeBriefHead), which is all a close
  // reads, and writes the rest back as it found them.
  struct EncodedNotices {
    std::string bytes;
    uint32_t count = 0;
  };
  EncodedNotices later_notices;
  // As in LoanRecord (read-only here).
  absl::optional<absl::CivilDay> status_boundary;

  static LoanBrief Of(const LoanRecord& record);
  // Copies the fields UpdateBrief() writes into `record`; `later_notices`
  // must be empty (a brief from LoanBrief::Of or a full DecodeBrief).
  void ApplyTo(LoanRecord* record) const;
  LoanIdentity identity() const;
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

  // The brief of the stored record (LoanBrief::Of(Load(handle)), possibly
  // with later planned notices left encoded in later_notices) and the write
  // of its mutable fields (as Load, ApplyTo, Update). These defaults decode
  // the whole record; stores override them to touch only the brief.
  virtual absl::StatusOr<LoanBrief> LoadBrief(LoanHandle handle);
  virtual absl::Status UpdateBrief(LoanHandle handle, const LoanBrief& brief);

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
