#include "services/overdue_detection/delinquency_engine.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/ids/strong_id.h"
#include "common/money/money.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "google/protobuf/arena.h"
#include "services/overdue_detection/delinquency_status.h"
#include "services/overdue_detection/ledger.h"
#include "services/overdue_detection/snapshot.h"

namespace arrears::overdue {
namespace {

namespace dv1 = delinquency::v1;

// What one event says besides the snapshot.
struct EventSpec {
  Transition transition;
  // The status before the event; unused for a loan's first event.
  StatusSummary previous;
  int32_t previous_dpd = 0;
  // Views: the strings outlive the spec (the caller's).
  absl::string_view cause_event_id;
  // ids::DeriveTimeOrderedId namespace and time: the source event's id and
  // time, or "close:<date>:<loan>" and the start of the date.
  absl::string_view id_namespace;
  absl::Time id_time;
  absl::optional<absl::CivilDay> recomputed_from;
  const DueSoonNotice* notice = nullptr;
};

// Fills `*e` (a new, empty message) with the event and returns its id.
// `event_sequence` is the loan's, advanced by one. `name_buffer` is scratch
// for the id's name (kept by callers that build many events).
std::string FillEvent(int64_t* event_sequence, const LoanIdentity& loan,
                      const ProductConfig& product, const SnapshotFigures& figures,
                      const EventSpec& spec, absl::Time now, dv1::DelinquencyEvent* e,
                      std::string* name_buffer) {
  const int64_t previous_sequence = (*event_sequence)++;
  e->set_loan_id(loan.loan_id.data(), loan.loan_id.size());
  e->set_customer_id(loan.customer_id.data(), loan.customer_id.size());
  e->set_kind(spec.transition.kind);
  for (dv1::ChangeReason reason : spec.transition.reasons) {
    e->add_change_reasons(reason);
  }
  BuildSnapshot(loan, product, figures, e->mutable_snapshot());
  if (previous_sequence > 0) {
    SetBucket(product, spec.previous.bucket_ordinal, e->mutable_previous_bucket());
    e->set_previous_regulatory_class(spec.previous.regulatory_class);
    e->set_previous_dpd(spec.previous_dpd);
  }
  e->set_loan_sequence(*event_sequence);
  *e->mutable_computed_at() = ToTimestamp(now);
  e->set_cause_event_id(spec.cause_event_id.data(), spec.cause_event_id.size());
  const std::string& kind_name = dv1::DelinquencyEventKind_Name(spec.transition.kind);
  if (spec.notice != nullptr) {
    dv1::InstallmentDueSoon* due_soon = e->mutable_installment_due_soon();
    due_soon->set_installment_number(spec.notice->installment_number);
    *due_soon->mutable_due_date() = ToProto(spec.notice->due_date);
    SetMoney(spec.notice->amount_minor, loan.currency_code, due_soon->mutable_amount_due());
    due_soon->set_days_until_due(spec.notice->days_until_due);
  }
  if (spec.transition.kind == dv1::DELINQUENCY_EVENT_KIND_CORRECTED) {
    dv1::Correction* correction = e->mutable_correction();
    if (spec.recomputed_from.has_value()) {
      *correction->mutable_recomputed_from() = ToProto(*spec.recomputed_from);
    }
    correction->set_superseded_sequence(previous_sequence);
  }
  if (spec.notice == nullptr) {
    return ids::DeriveTimeOrderedId(spec.id_namespace, kind_name, spec.id_time);
  }
  name_buffer->assign(kind_name);
  absl::StrAppend(name_buffer, ":", spec.notice->installment_number);
  return ids::DeriveTimeOrderedId(spec.id_namespace, *name_buffer, spec.id_time);
}

// An event of Apply, kept by the caller.
EmittedEvent BuildEvent(LoanRecord* record, const ProductConfig& product,
                        const LoanPosition& position, const EventSpec& spec, absl::Time now) {
  if (spec.notice == nullptr) record->last_changed_at = now;
  EmittedEvent out;
  std::string name_buffer;
  out.event_id = FillEvent(&record->event_sequence, LoanIdentity::Of(record->loan), product,
                           SnapshotFigures::Of(position), spec, now, &out.event, &name_buffer);
  out.time = spec.id_time;
  return out;
}

// The notice event of a day's close, from the status it leaves unchanged.
EventSpec NoticeSpec(const StatusSummary& status, const DueSoonNotice& notice,
                     absl::string_view cause, absl::string_view id_namespace, absl::Time id_time) {
  EventSpec spec;
  spec.transition.kind = dv1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON;
  spec.previous = status;
  spec.previous_dpd = status.dpd;
  spec.cause_event_id = cause;
  spec.id_namespace = id_namespace;
  spec.id_time = id_time;
  spec.notice = &notice;
  return spec;
}

}  // namespace

void RecordEvaluation(const ProductConfig& product, LoanPosition position, LoanRecord* record) {
  record->status = StatusSummary::Of(position);
  record->evaluated_on = position.as_of;
  // A current loan's notices before its next status change are planned now
  // and emitted without a full evaluation; any other loan is evaluated on
  // each notice day.
  const bool plan = position.state == dv1::DELINQUENCY_STATE_CURRENT;
  record->status_boundary = NextBoundary(record->loan, product, position, /*notice_days=*/!plan);
  record->planned_notices.clear();
  if (plan) record->planned_notices = PlanNotices(product, position, record->status_boundary);
  record->next_boundary = WakeDay(record->status_boundary, record->planned_notices);
  record->history = std::move(position.history);
}

DelinquencyEngine::DelinquencyEngine(Options options)
    : products_(std::move(options.products)),
      store_(options.store),
      clock_(options.clock),
      business_date_(options.initial_business_date) {}

absl::StatusOr<std::unique_ptr<DelinquencyEngine>> DelinquencyEngine::Create(Options options) {
  if (options.products == nullptr || options.store == nullptr || options.clock == nullptr) {
    return absl::InvalidArgumentError("DelinquencyEngine needs products, a store and a clock");
  }
  std::unique_ptr<DelinquencyEngine> engine(new DelinquencyEngine(std::move(options)));
  absl::MutexLock lock(&engine->mu_);
  ARREARS_RETURN_IF_ERROR(engine->LoadState());
  return engine;
}

absl::Status DelinquencyEngine::Reload() {
  absl::MutexLock lock(&mu_);
  return LoadState();
}

absl::Status DelinquencyEngine::LoadState() {
  ARREARS_ASSIGN_OR_RETURN(absl::optional<absl::CivilDay> stored, store_->LoadBusinessDate());
  if (stored.has_value()) {
    business_date_ = *stored;
  } else {
    ARREARS_RETURN_IF_ERROR(store_->SaveBusinessDate(business_date_));
  }
  const absl::CivilDay today = business_date_;
  CalendarIndex calendar;
  ARREARS_RETURN_IF_ERROR(
      store_->ForEachNextBoundary([&](LoanHandle handle, absl::optional<absl::CivilDay> next) {
        // A boundary not after today was left by an interrupted close; the
        // next close evaluates it (its stored boundary is then due).
        if (next.has_value()) calendar.Add(handle, std::max(*next, today + 1));
      }));
  calendar_ = std::move(calendar);
  return absl::OkStatus();
}

void DelinquencyEngine::Hint(LoanHandle handle,
                             const absl::optional<absl::CivilDay>& next_boundary) {
  if (next_boundary.has_value()) calendar_.Add(handle, *next_boundary);
}

absl::CivilDay DelinquencyEngine::business_date() const {
  absl::MutexLock lock(&mu_);
  return business_date_;
}

absl::StatusOr<const ProductConfig*> DelinquencyEngine::ProductOf(const Loan& loan) const {
  const ProductConfig* product = products_->Find(loan.product_code());
  if (product == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("product_code: product ", loan.product_code(),
                                                      " of loan ", loan.loan_id(),
                                                      " is not configured"));
  }
  return product;
}

absl::StatusOr<std::vector<EmittedEvent>> DelinquencyEngine::Apply(
    const loan::v1::LoanEvent& event, absl::string_view source_event_id, absl::Time source_time) {
  if (source_event_id.empty()) {
    return absl::InvalidArgumentError("source_event_id: required (the loan event's ce_id)");
  }
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("loan_id", event.loan_id()));
  absl::MutexLock lock(&mu_);
  ARREARS_ASSIGN_OR_RETURN(absl::optional<LoanHandle> handle, store_->Find(event.loan_id()));
  if (event.has_loan_opened()) {
    return ApplyOpening(event, handle, source_event_id, source_time);
  }
  if (!handle.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat("loan_id: loan ", event.loan_id(),
                                                      " is not open (no LoanOpened received yet)"));
  }
  ARREARS_ASSIGN_OR_RETURN(LoanRecord record, store_->Load(*handle));
  ARREARS_ASSIGN_OR_RETURN(const ProductConfig* product, ProductOf(record.loan));
  const absl::CivilDay today = business_date_;

  const LoanPosition before = ComputePosition(record.loan, *product, today);
  ARREARS_ASSIGN_OR_RETURN(FactChange change, record.loan.Record(event));
  if (change.duplicate) {
    return std::vector<EmittedEvent>();
  }
  record.last_changed_at = clock_->Now();
  LoanPosition after = ComputePosition(record.loan, *product, today);

  const absl::optional<absl::CivilDay> corrected_from =
      FirstHistoryDifference(before.history, after.history, record.loan.disbursement_date(), today);
  const StatusSummary previous = StatusSummary::Of(before);
  const StatusSummary current = StatusSummary::Of(after);
  std::vector<EmittedEvent> events;
  if (absl::optional<Transition> transition = DecideTransition(
          &previous, current, /*compare_penalty=*/true, corrected_from.has_value())) {
    EventSpec spec;
    spec.transition = std::move(*transition);
    spec.previous = previous;
    spec.previous_dpd = before.dpd;
    spec.cause_event_id = source_event_id;
    spec.id_namespace = source_event_id;
    spec.id_time = source_time;
    spec.recomputed_from = corrected_from.has_value() ? corrected_from : change.effective_date;
    events.push_back(BuildEvent(&record, *product, after, spec, clock_->Now()));
  }
  RecordEvaluation(*product, std::move(after), &record);
  ARREARS_RETURN_IF_ERROR(store_->Update(*handle, record));
  Hint(*handle, record.next_boundary);
  return events;
}

absl::StatusOr<std::vector<EmittedEvent>> DelinquencyEngine::ApplyOpening(
    const loan::v1::LoanEvent& event, absl::optional<LoanHandle> existing,
    absl::string_view source_event_id, absl::Time source_time) {
  ARREARS_ASSIGN_OR_RETURN(Loan loan, Loan::Open(event, *products_));
  if (existing.has_value()) {
    ARREARS_ASSIGN_OR_RETURN(LoanRecord stored, store_->Load(*existing));
    if (stored.loan.HasSameTerms(loan)) {
      return std::vector<EmittedEvent>();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("loan_opened: loan ", loan.loan_id(), " is already open with other terms"));
  }
  ARREARS_ASSIGN_OR_RETURN(const ProductConfig* product, ProductOf(loan));
  const absl::CivilDay today = business_date_;
  LoanPosition position = ComputePosition(loan, *product, today);
  LoanRecord record(std::move(loan));
  record.last_changed_at = clock_->Now();
  std::vector<EmittedEvent> events;
  if (absl::optional<Transition> transition =
          DecideTransition(nullptr, StatusSummary::Of(position), /*compare_penalty=*/true,
                           /*history_corrected=*/false)) {
    EventSpec spec;
    spec.transition = std::move(*transition);
    spec.cause_event_id = source_event_id;
    spec.id_namespace = source_event_id;
    spec.id_time = source_time;
    events.push_back(BuildEvent(&record, *product, position, spec, clock_->Now()));
  }
  RecordEvaluation(*product, std::move(position), &record);
  ARREARS_ASSIGN_OR_RETURN(LoanHandle handle, store_->Insert(record));
  Hint(handle, record.next_boundary);
  return events;
}

// Each event of a close is built in an arena over a fixed block and handed
// to the sink, then the arena is reset: no heap allocation per event (a
// snapshot alone has a dozen sub-messages, each a heap object otherwise) and
// nothing kept once the sink returns.
class DelinquencyEngine::CloseEmitter {
 public:
  CloseEmitter(EventSink sink, CloseResult& result)
      : sink_(sink), result_(result), arena_(ArenaOn(block_)) {}

  // Builds the event of `spec` (computed at `now`) and hands it over.
  absl::Status Emit(int64_t* event_sequence, const LoanIdentity& loan, const ProductConfig& product,
                    const SnapshotFigures& figures, const EventSpec& spec, absl::Time now) {
    arena_.Reset();
    auto* event = google::protobuf::Arena::CreateMessage<dv1::DelinquencyEvent>(&arena_);
    const std::string event_id =
        FillEvent(event_sequence, loan, product, figures, spec, now, event, &name_buffer_);
    ++result_.events_emitted;
    return sink_(EmittedEventRef{event_id, spec.id_time, *event});
  }
  absl::Status Emit(LoanRecord* record, const ProductConfig& product, const LoanPosition& position,
                    const EventSpec& spec, absl::Time now) {
    if (spec.notice == nullptr) record->last_changed_at = now;
    return Emit(&record->event_sequence, LoanIdentity::Of(record->loan), product,
                SnapshotFigures::Of(position), spec, now);
  }

 private:
  // An event takes about 1.6 KB of arena; more spills to the heap.
  static constexpr size_t kBlockBytes = 8192;

  static google::protobuf::ArenaOptions ArenaOn(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kBlockBytes;
    return options;
  }

  const EventSink sink_;
  CloseResult& result_;
  std::string name_buffer_;
  alignas(16) char block_[kBlockBytes];
  google::protobuf::Arena arena_;  // after block_, which it uses
};

absl::StatusOr<CloseResult> DelinquencyEngine::CloseBusinessDay(absl::CivilDay date) {
  std::vector<EmittedEvent> events;
  ARREARS_ASSIGN_OR_RETURN(CloseResult result,
                           CloseBusinessDay(date, [&](const EmittedEventRef& ref) {
                             EmittedEvent& kept = events.emplace_back();
                             kept.event_id.assign(ref.event_id.data(), ref.event_id.size());
                             kept.time = ref.time;
                             kept.event = ref.event;
                             return absl::OkStatus();
                           }));
  result.events = std::move(events);
  return result;
}

absl::StatusOr<CloseResult> DelinquencyEngine::CloseBusinessDay(absl::CivilDay date,
                                                                EventSink sink) {
  absl::MutexLock lock(&mu_);
  CloseResult result;
  result.previous_business_date = business_date_;
  result.business_date = date;
  if (date < business_date_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "business_date: ", time::FormatCivilDay(date), " is before the current business date ",
        time::FormatCivilDay(business_date_), " (dates only move forward)"));
  }
  if (date == business_date_) {
    result.already_closed = true;
    return result;
  }
  CloseEmitter emit(sink, result);
  for (absl::CivilDay day = business_date_ + 1; day <= date; ++day) {
    const CloseDay close_day(day);
    const std::vector<LoanHandle> due = calendar_.TakeDue(day);
    for (LoanHandle handle : due) {
      absl::StatusOr<LoanBrief> brief = store_->LoadBrief(handle);
      // A hint left by a rolled-back insert, or by a reschedule (the loan's
      // boundary moved later, or away: its real hint is on that day).
      if (brief.status().code() == absl::StatusCode::kNotFound ||
          (brief.ok() && (!brief->next_boundary.has_value() || *brief->next_boundary > day))) {
        ++result.stale_hints;
        continue;
      }
      ARREARS_RETURN_IF_ERROR(brief.status());
      ++result.loans_evaluated;
      const bool status_unchanged =
          !brief->status_boundary.has_value() || *brief->status_boundary > day;
      if (status_unchanged && !brief->planned_notices.empty() &&
          brief->planned_notices.front().day() == day) {
        ARREARS_RETURN_IF_ERROR(EmitPlannedNotices(handle, *std::move(brief), close_day, emit));
        ++result.planned_notice_loans;
        continue;
      }
      ARREARS_ASSIGN_OR_RETURN(LoanRecord record, store_->Load(handle));
      ARREARS_RETURN_IF_ERROR(EvaluateOnClose(handle, std::move(record), close_day, emit));
    }
    business_date_ = day;
  }
  ARREARS_RETURN_IF_ERROR(store_->SaveBusinessDate(date));
  return result;
}

DelinquencyEngine::CloseDay::CloseDay(absl::CivilDay day)
    : day(day),
      cause(absl::StrCat("close/", time::FormatCivilDay(day))),
      id_prefix(absl::StrCat("close:", time::FormatCivilDay(day), ":")),
      id_time(absl::FromCivil(day, absl::UTCTimeZone())),
      id_namespace(id_prefix) {}

absl::Status DelinquencyEngine::EmitPlannedNotices(LoanHandle handle, LoanBrief brief,
                                                   const CloseDay& close, CloseEmitter& emit) {
  const ProductConfig* product = products_->Find(brief.product_code);
  if (product == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("product_code: product ", brief.product_code,
                                                      " of loan ", brief.loan_id,
                                                      " is not configured"));
  }
  const LoanIdentity identity = brief.identity();
  const absl::Time now = clock_->Now();
  // The day's prefix plus the loan id, in a buffer reused across loans.
  std::string& id_namespace = close.id_namespace;
  id_namespace.resize(close.id_prefix.size());
  id_namespace.append(brief.loan_id);
  size_t emitted = 0;
  for (const PlannedNotice& planned : brief.planned_notices) {
    if (planned.day() != close.day) break;
    // The loan is current and unchanged since it was planned: the status
    // the notice reports as "previous" is the one it carries.
    StatusSummary status;
    status.state = planned.figures.state;
    status.dpd = planned.figures.dpd;
    status.bucket_ordinal = planned.figures.bucket_ordinal;
    status.regulatory_class = planned.figures.regulatory_class;
    const EventSpec spec =
        NoticeSpec(status, planned.notice, close.cause, id_namespace, close.id_time);
    ARREARS_RETURN_IF_ERROR(
        emit.Emit(&brief.event_sequence, identity, *product, planned.figures, spec, now));
    ++emitted;
  }
  brief.planned_notices.erase(brief.planned_notices.begin(),
                              brief.planned_notices.begin() + emitted);
  brief.next_boundary = WakeDay(brief.status_boundary, brief.planned_notices);
  ARREARS_RETURN_IF_ERROR(store_->UpdateBrief(handle, brief));
  Hint(handle, brief.next_boundary);
  return absl::OkStatus();
}

absl::Status DelinquencyEngine::EvaluateOnClose(LoanHandle handle, LoanRecord record,
                                                const CloseDay& close, CloseEmitter& emit) {
  ARREARS_ASSIGN_OR_RETURN(const ProductConfig* product, ProductOf(record.loan));
  const absl::CivilDay day = close.day;
  LoanPosition position = ComputePosition(record.loan, *product, day);
  const StatusSummary previous = record.status;
  const StatusSummary current = StatusSummary::Of(position);
  // The day's prefix plus the loan id, in a buffer reused across loans.
  std::string& id_namespace = close.id_namespace;
  id_namespace.resize(close.id_prefix.size());
  id_namespace.append(record.loan.loan_id());
  const absl::Time now = clock_->Now();
  if (absl::optional<Transition> transition =
          DecideTransition(&previous, current, /*compare_penalty=*/false,
                           /*history_corrected=*/false)) {
    EventSpec spec;
    spec.transition = std::move(*transition);
    spec.previous = previous;
    // The status held unchanged from the last evaluation to yesterday.
    spec.previous_dpd = previous.oldest_overdue_due_date.has_value()
                            ? static_cast<int32_t>((day - 1) - *previous.oldest_overdue_due_date)
                            : 0;
    spec.cause_event_id = close.cause;
    spec.id_namespace = id_namespace;
    spec.id_time = close.id_time;
    ARREARS_RETURN_IF_ERROR(emit.Emit(&record, *product, position, spec, now));
  }
  for (const DueSoonNotice& notice : position.notices) {
    const EventSpec spec = NoticeSpec(current, notice, close.cause, id_namespace, close.id_time);
    ARREARS_RETURN_IF_ERROR(emit.Emit(&record, *product, position, spec, now));
  }
  RecordEvaluation(*product, std::move(position), &record);
  ARREARS_RETURN_IF_ERROR(store_->Update(handle, record));
  Hint(handle, record.next_boundary);
  return absl::OkStatus();
}

absl::StatusOr<std::pair<LoanHandle, LoanRecord>> DelinquencyEngine::LoadByLoanId(
    absl::string_view loan_id) {
  ARREARS_ASSIGN_OR_RETURN(absl::optional<LoanHandle> handle, store_->Find(loan_id));
  if (!handle.has_value()) {
    return absl::NotFoundError(absl::StrCat("loan_id: no loan ", loan_id));
  }
  ARREARS_ASSIGN_OR_RETURN(LoanRecord record, store_->Load(*handle));
  return std::make_pair(*handle, std::move(record));
}

absl::StatusOr<LoanView> DelinquencyEngine::GetLoan(absl::string_view loan_id,
                                                    absl::optional<absl::CivilDay> as_of) {
  absl::MutexLock lock(&mu_);
  if (as_of.has_value() && *as_of > business_date_) {
    return absl::InvalidArgumentError(absl::StrCat("as_of: ", time::FormatCivilDay(*as_of),
                                                   " is after the business date ",
                                                   time::FormatCivilDay(business_date_)));
  }
  ARREARS_ASSIGN_OR_RETURN(auto loaded, LoadByLoanId(loan_id));
  const LoanRecord& record = loaded.second;
  ARREARS_ASSIGN_OR_RETURN(const ProductConfig* product, ProductOf(record.loan));
  LoanView view;
  view.position = ComputePosition(record.loan, *product, as_of.value_or(business_date_));
  view.snapshot = BuildSnapshot(record.loan, *product, view.position);
  view.installments = InstallmentStatuses(record.loan, view.position);
  view.event_sequence = record.event_sequence;
  view.last_changed_at = record.last_changed_at;
  return view;
}

absl::StatusOr<delinquency::v1::DelinquencySnapshot> DelinquencyEngine::GetSnapshot(
    absl::string_view loan_id) {
  ARREARS_ASSIGN_OR_RETURN(LoanView view, GetLoan(loan_id));
  return std::move(view.snapshot);
}

absl::StatusOr<delinquency::v1::DelinquencyHistory> DelinquencyEngine::GetHistory(
    absl::string_view loan_id) {
  absl::MutexLock lock(&mu_);
  ARREARS_ASSIGN_OR_RETURN(auto loaded, LoadByLoanId(loan_id));
  const LoanRecord& record = loaded.second;
  ARREARS_ASSIGN_OR_RETURN(const ProductConfig* product, ProductOf(record.loan));
  return HistoryProto(*product, record.history,
                      absl::StrCat("loans/", record.loan.loan_id(), "/delinquencyHistory"));
}

absl::Status DelinquencyEngine::ForEachLoan(
    absl::FunctionRef<absl::Status(LoanHandle, const LoanRecord&, const ProductConfig&)> visit) {
  absl::MutexLock lock(&mu_);
  return store_->ForEachRecord([&](LoanHandle handle, const LoanRecord& record) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(const ProductConfig* product, ProductOf(record.loan));
    return visit(handle, record, *product);
  });
}

HotIndexStats DelinquencyEngine::hot_index_stats() const {
  absl::MutexLock lock(&mu_);
  HotIndexStats stats;
  stats.loans = calendar_.handle_slots();
  stats.entries = calendar_.entries();
  stats.bytes = calendar_.MemoryBytes();
  return stats;
}

}  // namespace arrears::overdue
