#include "services/overdue_detection/overdue_book.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "common/events/handler.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/topics/topics.h"
#include "services/overdue_detection/ledger.h"
#include "services/overdue_detection/overdue_report.h"
#include "services/overdue_detection/overdue_schema.h"

namespace arrears::overdue {
namespace {

namespace dv1 = delinquency::v1;

constexpr int32_t kDefaultPageSize = 100;
constexpr int32_t kMaxPageSize = 1000;

// The engine's FailedPrecondition for anything but an opening: the event
// refers to a loan or fact not received yet.
bool Parkable(const absl::Status& status, const loan::v1::LoanEvent& event) {
  return status.code() == absl::StatusCode::kFailedPrecondition && !event.has_loan_opened();
}

// Statuses of the engine that are about the event (DLQ) pass through; the
// rest are the store's, retried rather than dead-lettered.
absl::Status AsApplyError(const absl::Status& status) {
  if (status.ok() || status.code() == absl::StatusCode::kInvalidArgument ||
      status.code() == absl::StatusCode::kFailedPrecondition || events::IsRetryable(status)) {
    return status;
  }
  return absl::UnavailableError(absl::StrCat("overdue store: ", status.ToString()));
}

// A stable fingerprint of a query's filters, so a page token cannot be
// replayed with other filters (FNV-1a 64 over a canonical text).
std::string FilterFingerprint(const DelinquentLoanFilter& filter) {
  std::string text;
  auto add_list = [&text](const std::vector<std::string>& values) {
    std::vector<std::string> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (const std::string& v : sorted) absl::StrAppend(&text, v, "\x1f");
    text.push_back('\x1e');
  };
  add_list(filter.bucket_codes);
  std::vector<std::string> classes;
  for (dv1::RegulatoryClass c : filter.regulatory_classes) classes.push_back(absl::StrCat(c));
  add_list(classes);
  add_list(filter.product_codes);
  add_list(filter.branch_ids);
  absl::StrAppend(&text, filter.min_dpd);
  std::vector<std::string> states;
  for (dv1::DelinquencyState state : filter.states) states.push_back(absl::StrCat(state));
  add_list(states);
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return absl::StrCat(absl::Hex(hash, absl::kZeroPad16));
}

std::string EncodePageToken(const DelinquentLoanFilter& filter, const DelinquentRow& last) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1|", FilterFingerprint(filter), "|",
                                                DayNumber(last.oldest_overdue_due_date), "|",
                                                last.loan_id));
}

absl::StatusOr<absl::optional<DelinquentCursor>> DecodePageToken(
    const std::string& token, const DelinquentLoanFilter& filter) {
  if (token.empty()) return absl::optional<DelinquentCursor>();
  std::string text;
  std::vector<std::string> parts;
  int64_t day = 0;
  if (absl::WebSafeBase64Unescape(token, &text)) {
    parts = absl::StrSplit(text, absl::MaxSplits('|', 3));
  }
  if (parts.size() != 4 || parts[0] != "v1" || !absl::SimpleAtoi(parts[2], &day) ||
      parts[3].empty()) {
    return absl::InvalidArgumentError("page_token: malformed (use a next_page_token as given)");
  }
  if (parts[1] != FilterFingerprint(filter)) {
    return absl::InvalidArgumentError(
        "page_token: issued for other filters (repeat the first call's filters)");
  }
  return absl::optional<DelinquentCursor>(DelinquentCursor{DayFromNumber(day), parts[3]});
}

absl::Status ValidateFilter(const DelinquentLoanFilter& filter, const ProductCatalog& products) {
  if (filter.min_dpd < 0) return absl::InvalidArgumentError("min_dpd: must be >= 0");
  for (size_t i = 0; i < filter.bucket_codes.size(); ++i) {
    const std::string& code = filter.bucket_codes[i];
    const bool known = std::any_of(
        products.products().begin(), products.products().end(), [&](const ProductConfig& p) {
          return std::any_of(p.buckets.begin(), p.buckets.end(),
                             [&](const BucketDefinition& b) { return b.code == code; });
        });
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("bucket_codes[", i, "]: no product has a bucket \"", code, "\""));
    }
  }
  for (size_t i = 0; i < filter.states.size(); ++i) {
    const dv1::DelinquencyState state = filter.states[i];
    if (state != dv1::DELINQUENCY_STATE_DELINQUENT && state != dv1::DELINQUENCY_STATE_CHARGED_OFF) {
      return absl::InvalidArgumentError(
          absl::StrCat("states[", i,
                       "]: must be DELINQUENCY_STATE_DELINQUENT or DELINQUENCY_STATE_CHARGED_OFF"));
    }
  }
  for (size_t i = 0; i < filter.regulatory_classes.size(); ++i) {
    const dv1::RegulatoryClass c = filter.regulatory_classes[i];
    if (c == dv1::REGULATORY_CLASS_UNSPECIFIED || !dv1::RegulatoryClass_IsValid(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("regulatory_classes[", i, "]: must be a specified class"));
    }
  }
  for (size_t i = 0; i < filter.product_codes.size(); ++i) {
    if (products.Find(filter.product_codes[i]) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "product_codes[", i, "]: product \"", filter.product_codes[i], "\" is not configured"));
    }
  }
  return absl::OkStatus();
}

bool Selected(const std::vector<std::string>& wanted, const std::string& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

// Writes delinquency events to the outbox through one events::Event reused
// for all (a close enqueues hundreds of thousands): the constant fields are
// set once and the strings keep their buffers.
class DelinquencyOutbox {
 public:
  DelinquencyOutbox(store::OutboxWriter& outbox, const std::string& source) : outbox_(outbox) {
    event_.topic = topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name();
    event_.envelope.type = std::string(dv1::DelinquencyEvent::descriptor()->full_name());
    event_.envelope.source = source;
  }

  absl::Status Enqueue(absl::string_view event_id, absl::Time time,
                       const dv1::DelinquencyEvent& e) {
    event_.key = e.loan_id();
    event_.envelope.id.assign(event_id.data(), event_id.size());
    event_.envelope.time = time;
    if (!e.SerializeToString(&event_.payload)) {
      return absl::InternalError(
          absl::StrCat("delinquency event ", event_id, " did not serialize"));
    }
    return AsApplyError(outbox_.Enqueue(event_));
  }

 private:
  store::OutboxWriter& outbox_;
  events::Event event_;
};

}  // namespace

OverdueBook::OverdueBook(OverdueBookOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<OverdueBook>> OverdueBook::Create(OverdueBookOptions options) {
  if (options.products == nullptr) return absl::InvalidArgumentError("products: required");
  if (options.db == nullptr) return absl::InvalidArgumentError("db: required");
  if (!options.run_in_transaction) {
    return absl::InvalidArgumentError("run_in_transaction: required");
  }
  if (options.clock == nullptr) return absl::InvalidArgumentError("clock: required");
  std::unique_ptr<OverdueBook> book(new OverdueBook(std::move(options)));
  store::SqliteDatabase* db = book->options_.db;
  book->store_ = std::make_unique<SqliteLoanStore>(db, book->options_.products);
  book->parked_ = std::make_unique<SqliteParkedEvents>(db);
  book->index_ = std::make_unique<SqliteDelinquencyIndex>(db);
  if (book->options_.report_db != nullptr) {
    book->report_store_ =
        std::make_unique<SqliteLoanStore>(book->options_.report_db, book->options_.products);
    book->report_index_ = std::make_unique<SqliteDelinquencyIndex>(book->options_.report_db);
  }
  // A write transaction: a new store records its initial business date.
  ARREARS_RETURN_IF_ERROR(db->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, book->store_->Bind(txn));
    ARREARS_ASSIGN_OR_RETURN(
        book->engine_,
        DelinquencyEngine::Create({book->options_.products, book->store_.get(),
                                   book->options_.clock, book->options_.initial_business_date}));
    return absl::OkStatus();
  }));
  return book;
}

absl::CivilDay OverdueBook::business_date() const { return engine_->business_date(); }

absl::Status OverdueBook::Enqueue(store::OutboxWriter& outbox,
                                  const std::vector<EmittedEvent>& emitted) {
  DelinquencyOutbox delinquency_outbox(outbox, options_.event_source);
  for (const EmittedEvent& e : emitted) {
    ARREARS_RETURN_IF_ERROR(delinquency_outbox.Enqueue(e.event_id, e.time, e.event));
  }
  return absl::OkStatus();
}

absl::Status OverdueBook::ApplyLoanEvent(store::Transaction& txn, store::OutboxWriter& outbox,
                                         const events::InboundEvent& inbound,
                                         const loan::v1::LoanEvent& event) {
  ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, store_->Bind(txn));
  const events::Envelope& envelope = inbound.event.envelope;
  absl::StatusOr<std::vector<EmittedEvent>> emitted =
      engine_->Apply(event, envelope.id, envelope.time);
  if (!emitted.ok()) {
    if (Parkable(emitted.status(), event)) {
      return AsApplyError(
          parked_->Park(txn, event.loan_id(), inbound, emitted.status(), options_.clock->Now()));
    }
    return AsApplyError(emitted.status());
  }
  ARREARS_RETURN_IF_ERROR(Enqueue(outbox, *emitted));
  return RetryParked(txn, outbox, event.loan_id());
}

absl::Status OverdueBook::RetryParked(store::Transaction& txn, store::OutboxWriter& outbox,
                                      absl::string_view loan_id) {
  // Each round applies at least one event or stops: a reversal parked before
  // its repayment applies in the round after the repayment's.
  while (true) {
    absl::StatusOr<std::vector<ParkedEvent>> waiting = parked_->WaitingFor(txn, loan_id);
    ARREARS_RETURN_IF_ERROR(AsApplyError(waiting.status()));
    bool progress = false;
    for (const ParkedEvent& parked : *waiting) {
      loan::v1::LoanEvent event;
      absl::StatusOr<std::vector<EmittedEvent>> emitted;
      if (!event.ParseFromString(parked.inbound.event.payload)) {
        emitted = absl::InvalidArgumentError("payload: not a valid arrears.loan.v1.LoanEvent");
      } else {
        const events::Envelope& envelope = parked.inbound.event.envelope;
        emitted = engine_->Apply(event, envelope.id, envelope.time);
      }
      absl::Status done;
      if (emitted.ok()) {
        ARREARS_RETURN_IF_ERROR(Enqueue(outbox, *emitted));
        done = parked_->Remove(txn, parked.sequence);
        progress = true;
      } else if (Parkable(emitted.status(), event)) {
        done = parked_->NoteRetry(txn, parked.sequence, emitted.status());
      } else if (emitted.status().code() == absl::StatusCode::kInvalidArgument ||
                 emitted.status().code() == absl::StatusCode::kFailedPrecondition) {
        done = parked_->MarkDead(txn, parked.sequence, emitted.status(), options_.clock->Now());
      } else {
        done = emitted.status();
      }
      ARREARS_RETURN_IF_ERROR(AsApplyError(done));
    }
    if (!progress) return absl::OkStatus();
  }
}

absl::Status OverdueBook::Read(absl::FunctionRef<absl::Status(store::Transaction&)> body) {
  return options_.db->InSqliteTransaction(
      store::SqliteTransactionMode::kDeferred, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, store_->Bind(txn));
        return body(txn);
      });
}

absl::StatusOr<CloseSummary> OverdueBook::CloseBusinessDay(absl::CivilDay date) {
  absl::MutexLock lock(&close_mu_);
  CloseSummary summary;
  summary.previous_business_date = engine_->business_date();
  summary.business_date = date;
  if (date < summary.previous_business_date) {
    return absl::FailedPreconditionError(absl::StrCat(
        "business_date: ", time::FormatCivilDay(date), " is before the current business date ",
        time::FormatCivilDay(summary.previous_business_date), " (dates only move forward)"));
  }
  summary.already_closed = date == summary.previous_business_date;
  for (absl::CivilDay day = summary.previous_business_date + 1; day <= date; ++day) {
    absl::Status status = CloseOneDay(day, summary);
    if (!status.ok()) {
      // The transaction rolled back (or never committed): the engine's
      // business date and consumed hints must follow the store again.
      absl::Status reloaded = options_.db->InTransaction([&](store::Transaction& txn) {
        ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, store_->Bind(txn));
        return engine_->Reload();
      });
      return Annotate(reloaded.ok() ? status : reloaded,
                      absl::StrCat("closing ", time::FormatCivilDay(day)));
    }
  }
  return summary;
}

absl::Status OverdueBook::CloseOneDay(absl::CivilDay day, CloseSummary& summary) {
  CloseResult result;
  const bool month_end = day == time::EndOfMonth(day);
  ARREARS_RETURN_IF_ERROR(options_.run_in_transaction(
      [&](store::Transaction& txn, store::OutboxWriter& outbox) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, store_->Bind(txn));
        // Each event goes to the outbox as the engine builds it (none kept).
        DelinquencyOutbox delinquency_outbox(outbox, options_.event_source);
        ARREARS_ASSIGN_OR_RETURN(result,
                                 engine_->CloseBusinessDay(day, [&](const EmittedEventRef& e) {
                                   return delinquency_outbox.Enqueue(e.event_id, e.time, e.event);
                                 }));
        if (month_end) ARREARS_RETURN_IF_ERROR(index_->SnapshotMonthEnd(txn, day));
        return absl::OkStatus();
      }));
  summary.loans_evaluated += result.loans_evaluated;
  summary.events_emitted += result.events_emitted;
  summary.stale_hints += result.stale_hints;
  if (month_end) summary.month_end_snapshots.push_back(day);
  return absl::OkStatus();
}

absl::StatusOr<LoanView> OverdueBook::GetLoan(absl::string_view loan_id) {
  LoanView view;
  ARREARS_RETURN_IF_ERROR(Read([&](store::Transaction&) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(view, engine_->GetLoan(loan_id));
    return absl::OkStatus();
  }));
  return view;
}

absl::StatusOr<dv1::DelinquencyHistory> OverdueBook::GetHistory(absl::string_view loan_id) {
  dv1::DelinquencyHistory history;
  ARREARS_RETURN_IF_ERROR(Read([&](store::Transaction&) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(history, engine_->GetHistory(loan_id));
    return absl::OkStatus();
  }));
  return history;
}

absl::StatusOr<DelinquentLoanPage> OverdueBook::ListDelinquentLoans(
    const DelinquentLoanQuery& query) {
  ARREARS_RETURN_IF_ERROR(ValidateFilter(query.filter, *options_.products));
  if (query.page_size < 0) return absl::InvalidArgumentError("page_size: must be >= 0");
  const int32_t page_size =
      query.page_size == 0 ? kDefaultPageSize : std::min(query.page_size, kMaxPageSize);
  ARREARS_ASSIGN_OR_RETURN(absl::optional<DelinquentCursor> after,
                           DecodePageToken(query.page_token, query.filter));
  DelinquentLoanPage page;
  ARREARS_RETURN_IF_ERROR(Read([&](store::Transaction& txn) -> absl::Status {
    page.snapshots.clear();
    // One row more than the page tells whether another page follows.
    ARREARS_ASSIGN_OR_RETURN(
        std::vector<DelinquentRow> rows,
        index_->ListDelinquent(txn, query.filter, *options_.products, engine_->business_date(),
                               after, page_size + 1));
    const bool more = static_cast<int32_t>(rows.size()) > page_size;
    if (more) rows.resize(page_size);
    for (const DelinquentRow& row : rows) {
      ARREARS_ASSIGN_OR_RETURN(dv1::DelinquencySnapshot snapshot,
                               engine_->GetSnapshot(row.loan_id));
      page.snapshots.push_back(std::move(snapshot));
    }
    page.next_page_token = more ? EncodePageToken(query.filter, rows.back()) : "";
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<dv1::OverdueReport> OverdueBook::GetOverdueReport(const OverdueReportQuery& query) {
  for (size_t i = 0; i < query.product_codes.size(); ++i) {
    if (options_.products->Find(query.product_codes[i]) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "product_codes[", i, "]: product \"", query.product_codes[i], "\" is not configured"));
    }
  }
  // The scan reads the store directly (not through the engine, whose mutex
  // it would hold): a read transaction sees one committed state, business
  // date included, and the engine touches the store only inside write
  // transactions.
  store::SqliteDatabase* db = report_store_ != nullptr ? options_.report_db : options_.db;
  SqliteLoanStore& loans = report_store_ != nullptr ? *report_store_ : *store_;
  SqliteDelinquencyIndex& index = report_index_ != nullptr ? *report_index_ : *index_;
  dv1::OverdueReport report;
  ARREARS_RETURN_IF_ERROR(db->InSqliteTransaction(
      store::SqliteTransactionMode::kDeferred, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, loans.Bind(txn));
        ARREARS_ASSIGN_OR_RETURN(absl::optional<absl::CivilDay> stored, loans.LoadBusinessDate());
        const absl::CivilDay today = stored.value_or(engine_->business_date());
        const absl::CivilDay as_of = query.as_of.value_or(today);
        if (as_of > today) {
          return absl::InvalidArgumentError(absl::StrCat("as_of: ", time::FormatCivilDay(as_of),
                                                         " is after the business date ",
                                                         time::FormatCivilDay(today)));
        }
        OverdueReportBuilder builder(as_of);
        const absl::CivilDay month_end = builder.previous_month_end();
        ARREARS_ASSIGN_OR_RETURN(absl::optional<MonthEndSnapshot> snapshot,
                                 index.LoadMonthEnd(txn, month_end));
        ARREARS_RETURN_IF_ERROR(loans.ForEachRecord([&](LoanHandle handle,
                                                        const LoanRecord& record) -> absl::Status {
          const Loan& loan = record.loan;
          const ProductConfig* product_config = options_.products->Find(loan.product_code());
          if (product_config == nullptr) {
            return absl::FailedPreconditionError(
                absl::StrCat("product_code: product ", loan.product_code(), " of loan ",
                             loan.loan_id(), " is not configured"));
          }
          const ProductConfig& product = *product_config;
          if (!Selected(query.product_codes, loan.product_code()) ||
              !Selected(query.branch_ids, loan.branch_id()) || loan.disbursement_date() > as_of) {
            return absl::OkStatus();
          }
          const LoanPosition now = ComputePosition(loan, product, as_of);
          absl::optional<MonthEndPosition> then;
          const bool existed = snapshot.has_value()
                                   ? static_cast<int64_t>(handle) < snapshot->loan_handles
                                   : loan.disbursement_date() <= month_end;
          if (existed && loan.disbursement_date() <= month_end) {
            const LoanPosition at_month_end = ComputePosition(loan, product, month_end);
            if (at_month_end.state != dv1::DELINQUENCY_STATE_CLOSED) {
              MonthEndPosition position{at_month_end.bucket_ordinal,
                                        at_month_end.total_outstanding_minor};
              if (snapshot.has_value() &&
                  at_month_end.state != dv1::DELINQUENCY_STATE_CHARGED_OFF) {
                // As reported then: delinquent loans are in the snapshot, the
                // others were current.
                auto it = snapshot->bucket_by_handle.find(handle);
                position.bucket_ordinal = it == snapshot->bucket_by_handle.end() ? 0 : it->second;
              }
              then = position;
            }
          }
          builder.Add(loan, product, now, then);
          return absl::OkStatus();
        }));
        report = builder.Build(options_.clock->Now(), snapshot.has_value());
        return absl::OkStatus();
      }));
  return report;
}

absl::StatusOr<SweepResult> OverdueBook::SweepParkedEvents(absl::Duration max_age,
                                                           DeadLetterSink& sink, int batch_size) {
  SweepResult result;
  const absl::Time now = options_.clock->Now();
  ARREARS_RETURN_IF_ERROR(options_.db->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(
        result.expired,
        parked_->ExpireParkedBefore(
            txn, now - max_age,
            absl::StrCat("; still not applicable after ", absl::FormatDuration(max_age)), now));
    return absl::OkStatus();
  }));
  while (true) {
    std::vector<ParkedEvent> dead;
    ARREARS_RETURN_IF_ERROR(
        options_.db->InTransaction([&](store::Transaction& txn) -> absl::Status {
          ARREARS_ASSIGN_OR_RETURN(dead, parked_->Dead(txn, batch_size));
          return absl::OkStatus();
        }));
    if (dead.empty()) return result;
    std::vector<DeadLetter> letters;
    letters.reserve(dead.size());
    for (const ParkedEvent& parked : dead) {
      letters.push_back({parked.inbound, parked.reason, parked.attempts});
    }
    ARREARS_RETURN_IF_ERROR(sink.Send(letters));
    ARREARS_RETURN_IF_ERROR(
        options_.db->InTransaction([&](store::Transaction& txn) -> absl::Status {
          for (const ParkedEvent& parked : dead) {
            ARREARS_RETURN_IF_ERROR(parked_->Remove(txn, parked.sequence));
          }
          return absl::OkStatus();
        }));
    result.dead_lettered += static_cast<int64_t>(dead.size());
  }
}

absl::StatusOr<SqliteParkedEvents::Counts> OverdueBook::CountParkedEvents() {
  SqliteParkedEvents::Counts counts;
  ARREARS_RETURN_IF_ERROR(Read([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(counts, parked_->Count(txn));
    return absl::OkStatus();
  }));
  return counts;
}

}  // namespace arrears::overdue
