// OverdueBook: the overdue detection service's state and use cases, over its
// SQLite store: the DelinquencyEngine on a SqliteLoanStore, parked events,
// the delinquency index and month-end snapshots. The Kafka applier
// (loan_event_applier.h), the gRPC service (overdue_grpc_service.h) and the
// scheduler (business_day_scheduler.h) are thin adapters over it.
//
// Transactions:
//  - ApplyLoanEvent runs inside the caller's transaction (the exactly-once
//    processor's): the loan's new state, the parked-event changes and the
//    delinquency events enqueued to the outbox commit together.
//  - CloseBusinessDay closes one day per transaction, through `run_in_txn`
//    (ServiceHost::InTransaction: the events are published iff the day
//    commits); a failed day reloads the engine (delinquency_engine.h) and
//    returns the error, earlier days staying closed. On a month end it also
//    records the month-end bucket snapshot.
//  - Queries run in read transactions of `db`; GetOverdueReport, a scan of
//    the whole book, in one of `report_db` when given (not blocking ingest).
//
// Loan events:
//  - applied: the delinquency events go to the outbox, then the loan's
//    parked events are retried (repeatedly, while any of them applies);
//  - an event (other than LoanOpened) that refers to a loan or fact the book
//    does not have yet (the engine's FailedPrecondition) is parked and the
//    call succeeds; it is retried after each later event of its loan, and
//    dead-lettered by SweepParkedEvents once older than the configured age;
//    a parked event that fails validation once its loan is there is
//    dead-lettered at the next sweep too;
//  - malformed events come back as InvalidArgument naming the field (for the
//    consumer loop's DLQ); failures of the store as retryable statuses.
//
// Thread-safe. One OverdueBook per store (the engine's calendar is in memory).
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_BOOK_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_BOOK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/delinquency/v1/overdue_service.pb.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "common/events/event.h"
#include "common/store/outbox_writer.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"
#include "common/time/clock.h"
#include "services/overdue_detection/dead_letter_sink.h"
#include "services/overdue_detection/delinquency_engine.h"
#include "services/overdue_detection/product_config.h"
#include "services/overdue_detection/sqlite_delinquency_index.h"
#include "services/overdue_detection/sqlite_loan_store.h"
#include "services/overdue_detection/sqlite_parked_events.h"

namespace arrears::overdue {

// Runs `body` in one write transaction whose enqueued events are published
// after, and only if, it commits (ServiceHost::InTransaction).
using OutboxTransactionRunner = std::function<absl::Status(
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)>)>;

struct OverdueBookOptions {
  std::shared_ptr<const ProductCatalog> products;
  // Not owned; migrated with OverdueMigrations().
  store::SqliteDatabase* db = nullptr;
  // Write transactions with an outbox, on `db`.
  OutboxTransactionRunner run_in_transaction;
  // Not owned.
  const Clock* clock = nullptr;
  // The business date of a new store.
  absl::CivilDay initial_business_date;
  // CloudEvents source of the delinquency events.
  std::string event_source = "//arrears/overdue-detection";
  // Optional, not owned: a second connection to `db`'s file (WAL), used only
  // to read. GetOverdueReport then scans the book in a read transaction of
  // its own (a snapshot of what was committed when it began) and holds
  // neither the engine nor `db`'s connection, so ingest and closes go on
  // during the scan. Null: the report reads through `db` and holds it.
  store::SqliteDatabase* report_db = nullptr;
};

struct CloseSummary {
  absl::CivilDay previous_business_date;
  absl::CivilDay business_date;
  bool already_closed = false;
  int64_t loans_evaluated = 0;
  int64_t events_emitted = 0;
  int64_t stale_hints = 0;
  // Month ends whose bucket snapshot this close recorded.
  std::vector<absl::CivilDay> month_end_snapshots;
};

struct DelinquentLoanQuery {
  DelinquentLoanFilter filter;
  // 0 = 100; at most 1000 (larger values are reduced).
  int32_t page_size = 0;
  std::string page_token;
};

struct DelinquentLoanPage {
  std::vector<delinquency::v1::DelinquencySnapshot> snapshots;
  std::string next_page_token;  // empty on the last page
};

struct OverdueReportQuery {
  absl::optional<absl::CivilDay> as_of;  // unset = the business date
  std::vector<std::string> product_codes;
  std::vector<std::string> branch_ids;
};

struct SweepResult {
  int64_t expired = 0;        // parked events that reached the age limit now
  int64_t dead_lettered = 0;  // written to the DLQ now
};

class OverdueBook {
 public:
  // InvalidArgument for a missing option; store errors as they come.
  static absl::StatusOr<std::unique_ptr<OverdueBook>> Create(OverdueBookOptions options);

  absl::Status ApplyLoanEvent(store::Transaction& txn, store::OutboxWriter& outbox,
                              const events::InboundEvent& inbound,
                              const loan::v1::LoanEvent& event);

  // Closes every day after the business date up to `date`. FailedPrecondition
  // ("business_date: ...") for a date before the business date.
  absl::StatusOr<CloseSummary> CloseBusinessDay(absl::CivilDay date);

  absl::CivilDay business_date() const;

  // NotFound ("loan_id: no loan X") for an unknown loan.
  absl::StatusOr<LoanView> GetLoan(absl::string_view loan_id);
  absl::StatusOr<delinquency::v1::DelinquencyHistory> GetHistory(absl::string_view loan_id);

  // InvalidArgument naming the field: negative min_dpd or page_size, an
  // unknown bucket code or product, an unspecified class, a malformed page
  // token or one issued for other filters.
  absl::StatusOr<DelinquentLoanPage> ListDelinquentLoans(const DelinquentLoanQuery& query);

  // Scans the book (every loan's position at as_of and at the previous month
  // end), as committed when it starts (see report_db). InvalidArgument for an
  // as_of after the business date.
  absl::StatusOr<delinquency::v1::OverdueReport> GetOverdueReport(const OverdueReportQuery& query);

  // Marks parked events older than `max_age` dead, then writes every dead
  // event to `sink` (in batches of `batch_size`) and forgets it. A failed
  // Send leaves the rest for the next sweep.
  absl::StatusOr<SweepResult> SweepParkedEvents(absl::Duration max_age, DeadLetterSink& sink,
                                                int batch_size = 100);

  absl::StatusOr<SqliteParkedEvents::Counts> CountParkedEvents();
  HotIndexStats hot_index_stats() const { return engine_->hot_index_stats(); }

 private:
  explicit OverdueBook(OverdueBookOptions options);

  absl::Status Enqueue(store::OutboxWriter& outbox, const std::vector<EmittedEvent>& emitted);
  absl::Status RetryParked(store::Transaction& txn, store::OutboxWriter& outbox,
                           absl::string_view loan_id);
  // Runs `body` in a read transaction with the loan store bound.
  absl::Status Read(absl::FunctionRef<absl::Status(store::Transaction&)> body);
  absl::Status CloseOneDay(absl::CivilDay day, CloseSummary& summary);

  const OverdueBookOptions options_;
  std::unique_ptr<SqliteLoanStore> store_;
  std::unique_ptr<SqliteParkedEvents> parked_;
  std::unique_ptr<SqliteDelinquencyIndex> index_;
  std::unique_ptr<DelinquencyEngine> engine_;
  // On report_db when given, else store_ and index_.
  std::unique_ptr<SqliteLoanStore> report_store_;
  std::unique_ptr<SqliteDelinquencyIndex> report_index_;
  // One close at a time (gRPC and the scheduler may race).
  absl::Mutex close_mu_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_BOOK_H_
