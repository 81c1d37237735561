// DelinquencyEngine: the overdue detection domain engine. It applies loan
// events and business-day closes to the loans in a LoanStore and says which
// delinquency events they cause; it knows nothing of Kafka, SQL or gRPC.
//
// Apply(loan event, source event id)
//   Validates the event (loan.h), records it and re-evaluates the loan at the
//   current business date by re-running its ledger (ledger.h), then compares
//   with the position before the event (delinquency_status.h):
//   - a repayment that cures the loan emits CURED at once; a partial payment
//     on a delinquent loan emits CHANGED with AMOUNT_CHANGE;
//   - a back-dated fact (a value / effective date before the business date,
//     or a reversal) that changes some past day's bucket or class emits
//     CORRECTED with the first changed day; otherwise the natural kind;
//   - a repeated event (same repayment_id, ...) emits nothing;
//   - an event for a loan not opened yet is FailedPrecondition ("loan_id:
//     ... is not open"), for the service to park and retry; malformed events
//     are InvalidArgument naming the field. Either leaves the store unchanged.
// CloseBusinessDay(date)
//   Moves the business date forward one day at a time, re-evaluating only the
//   loans the calendar index holds for each day (calendar_index.h): cost is
//   proportional to those loans, not to the book. Emits STARTED / CHANGED
//   (bucket or class crossing, installment missed, a future-dated fact taking
//   effect) / CURED / CHARGED_OFF / CLOSED and INSTALLMENT_DUE_SOON (the
//   product's pre_due_notice_days before each due date, only when something
//   is left to pay after the credit balance; notices come only from closes).
//   A loan current at its last evaluation whose only business on the day is
//   pre-due notices is not re-evaluated: its notices were planned at that
//   evaluation (planned_notice.h) and are emitted from its LoanBrief alone
//   (loan_store.h), identical to what a full evaluation would emit.
//   Idempotent: the current date again emits nothing; an earlier date is
//   FailedPrecondition. The events come back in CloseResult::events, or are
//   streamed to an EventSink as they are built (the service writes them
//   straight to its outbox; a 10M-loan book's day can have 700,000).
//
// Every event carries the full snapshot after it (snapshot.h), the previous
// bucket / class / DPD (unset before a loan's first event), a per-loan
// sequence (1, 2, ...) and a deterministic, time-ordered id (so replaying the
// same input yields the same ids, and ids of one moment sort together):
//   loan event  ids::DeriveTimeOrderedId(source event id, kind name,
//                                        source event time)
//   close       ids::DeriveTimeOrderedId("close:<date>:<loan_id>", kind name,
//                                        start of <date> in UTC)
// the kind name being DelinquencyEventKind_Name(kind)
// ("DELINQUENCY_EVENT_KIND_CURED"; notices append ":<installment number>").
// cause_event_id is the source event id or "close/<date>".
//
// Charged-off loans leave the calendar (their delinquency history ends, see
// ledger.h): snapshots keep showing their growing DPD, but crossings are not
// reported; their facts still emit CHANGED (AMOUNT_CHANGE), CLOSED or, when a
// back-dated fact undoes the charge-off, CORRECTED.
//
// Memory: the engine itself holds only the calendar index (about 12 bytes per
// loan, see hot_index_stats()); everything else lives in the LoanStore.
//
// Transactions: the service runs each call inside one store transaction.
//  - Apply only adds calendar hints (calendar_index.h), and a close checks
//    each hinted loan's stored next_boundary before evaluating it, so a
//    transaction that rolls back after Apply (an error, a failed commit, a
//    batch redone by the exactly-once processor) leaves the engine correct:
//    at worst a stale hint that costs one Load.
//  - CloseBusinessDay moves the in-memory business date and consumes hints:
//    when its transaction fails (the call's error or the commit's), call
//    Reload(), which re-reads the business date and rebuilds the calendar
//    from the store.
// A second engine writing the same store (another process) is not seen: one
// engine per store.
//
// Thread-safe: calls are serialized by an internal mutex.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_DELINQUENCY_ENGINE_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_DELINQUENCY_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/delinquency/v1/delinquency.pb.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/delinquency/v1/overdue_service.pb.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "common/time/clock.h"
#include "services/overdue_detection/calendar_index.h"
#include "services/overdue_detection/loan_position.h"
#include "services/overdue_detection/loan_store.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

// A delinquency event ready to publish.
struct EmittedEvent {
  // The CloudEvents ce_id; deterministic (see above).
  std::string event_id;
  // The CloudEvents ce_time, as deterministic: the source event's time, or
  // the start of the closed date in UTC.
  absl::Time time;
  delinquency::v1::DelinquencyEvent event;
};

// An event of a streaming close (CloseBusinessDay with an EventSink), valid
// only during the sink's call: the close builds each event in scratch memory
// that it reuses for the next one, so a close of hundreds of thousands of
// events neither allocates a message per event nor holds them all.
struct EmittedEventRef {
  absl::string_view event_id;  // as EmittedEvent::event_id
  absl::Time time;             // as EmittedEvent::time
  const delinquency::v1::DelinquencyEvent& event;
};

// Takes one event of a close (e.g. writes it to the outbox). Called with the
// engine's mutex held: it must not call the engine. An error stops the close,
// which returns it: the caller's transaction must then roll back and
// Reload(), as after any failed close.
using EventSink = absl::FunctionRef<absl::Status(const EmittedEventRef&)>;

struct CloseResult {
  absl::CivilDay previous_business_date;
  absl::CivilDay business_date;
  // The date was already the business date; nothing was done.
  bool already_closed = false;
  // Loans re-evaluated (hinted by the calendar index, boundary due).
  int64_t loans_evaluated = 0;
  // Hints skipped because the loan's stored boundary had moved.
  int64_t stale_hints = 0;
  // Of loans_evaluated, those whose only business was planned notices,
  // emitted from their LoanBrief without a full evaluation.
  int64_t planned_notice_loans = 0;
  // Events emitted (handed to the sink, or collected below).
  int64_t events_emitted = 0;
  // The events, in order, from CloseBusinessDay(date) only (a streaming
  // close leaves it empty).
  std::vector<EmittedEvent> events;
};

// A loan as GetLoanDelinquency shows it.
struct LoanView {
  delinquency::v1::DelinquencySnapshot snapshot;
  std::vector<delinquency::v1::InstallmentStatus> installments;
  LoanPosition position;
  int64_t event_sequence = 0;
  // LoanRecord::last_changed_at (update_time); unset for a record stored
  // before it was kept.
  absl::optional<absl::Time> last_changed_at;
};

struct HotIndexStats {
  size_t loans = 0;    // handles known
  size_t entries = 0;  // calendar hints held
  size_t bytes = 0;    // calendar index heap bytes
};

// Stores `position` (the loan's, at the date just evaluated) in `record`:
// status, history and when to wake it again (status_boundary, the planned
// notices of a current loan, next_boundary). What Apply and the close do
// after each evaluation.
void RecordEvaluation(const ProductConfig& product, LoanPosition position, LoanRecord* record);

class DelinquencyEngine {
 public:
  struct Options {
    std::shared_ptr<const ProductCatalog> products;
    // Not owned; must outlive the engine.
    LoanStore* store = nullptr;
    // Not owned; stamps computed_at.
    const Clock* clock = nullptr;
    // The business date when the store has none yet.
    absl::CivilDay initial_business_date;
  };

  // Loads the business date and rebuilds the calendar index from the store
  // (loans whose next boundary is not after the stored business date, left
  // by an interrupted close, are re-evaluated at the next close).
  static absl::StatusOr<std::unique_ptr<DelinquencyEngine>> Create(Options options);

  // `source_event_id` is the loan event's ce_id (non-empty), `source_time`
  // its ce_time (both go into the ids of the events emitted).
  absl::StatusOr<std::vector<EmittedEvent>> Apply(const loan::v1::LoanEvent& event,
                                                  absl::string_view source_event_id,
                                                  absl::Time source_time);

  // Collects the events in CloseResult::events.
  absl::StatusOr<CloseResult> CloseBusinessDay(absl::CivilDay date);
  // Hands each event to `sink` as it is built, in the same order, and keeps
  // none (the service's close writes them straight to the outbox).
  absl::StatusOr<CloseResult> CloseBusinessDay(absl::CivilDay date, EventSink sink);

  absl::CivilDay business_date() const;

  // Re-reads the business date and rebuilds the calendar index from the
  // store, as Create() does: after a transaction around CloseBusinessDay
  // failed.
  absl::Status Reload();

  // Calls `visit` for every stored loan with its product (reports scan the
  // book); stops at the first error `visit` returns.
  absl::Status ForEachLoan(
      absl::FunctionRef<absl::Status(LoanHandle, const LoanRecord&, const ProductConfig&)> visit);

  // The loan's position at the business date, or at `as_of` (a past date,
  // recomputed from today's facts: reports and roll rates). NotFound for an
  // unknown loan; InvalidArgument for an as_of after the business date.
  absl::StatusOr<LoanView> GetLoan(absl::string_view loan_id,
                                   absl::optional<absl::CivilDay> as_of = absl::nullopt);
  absl::StatusOr<delinquency::v1::DelinquencySnapshot> GetSnapshot(absl::string_view loan_id);
  // The stored bucket / class history. NotFound for an unknown loan.
  absl::StatusOr<delinquency::v1::DelinquencyHistory> GetHistory(absl::string_view loan_id);

  HotIndexStats hot_index_stats() const;

 private:
  explicit DelinquencyEngine(Options options);

  absl::StatusOr<std::vector<EmittedEvent>> ApplyOpening(const loan::v1::LoanEvent& event,
                                                         absl::optional<LoanHandle> existing,
                                                         absl::string_view source_event_id,
                                                         absl::Time source_time)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What every event of one day's close shares.
  struct CloseDay {
    explicit CloseDay(absl::CivilDay day);
    absl::CivilDay day;
    std::string cause;      // "close/<date>"
    std::string id_prefix;  // "close:<date>:", the loan id follows
    absl::Time id_time;     // start of the date in UTC
    // Scratch: id_prefix + a loan id (reused across the day's loans).
    mutable std::string id_namespace;
  };
  // Builds a close's events in scratch memory and passes them to the sink
  // (defined in the .cc).
  class CloseEmitter;
  absl::Status EvaluateOnClose(LoanHandle handle, LoanRecord record, const CloseDay& close,
                               CloseEmitter& emit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The loan's planned notices of the day, from its brief alone.
  absl::Status EmitPlannedNotices(LoanHandle handle, LoanBrief brief, const CloseDay& close,
                                  CloseEmitter& emit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadState() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Hint(LoanHandle handle, const absl::optional<absl::CivilDay>& next_boundary)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<const ProductConfig*> ProductOf(const Loan& loan) const;
  absl::StatusOr<std::pair<LoanHandle, LoanRecord>> LoadByLoanId(absl::string_view loan_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<const ProductCatalog> products_;
  LoanStore* const store_;
  const Clock* const clock_;

  mutable absl::Mutex mu_;
  absl::CivilDay business_date_ ABSL_GUARDED_BY(mu_);
  CalendarIndex calendar_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_DELINQUENCY_ENGINE_H_
