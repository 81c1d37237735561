// A collection case: one per customer, aggregating the delinquency snapshots
// of the customer's overdue loans with everything the strategy needs to
// decide the next contact (contactability, promises, hardship, holds,
// assignment, strategy position, treatment history).
//
// Contract:
//  - A case is opened by the customer's first delinquency event and closed
//    when every loan is current, closed or charged off (close reason
//    "ALL_CURED" or "CHARGED_OFF_HANDED_OVER"). A closed case accepts no
//    further delinquency or contact events (FailedPrecondition).
//  - Delinquency events apply per loan in loan_sequence order; an event whose
//    sequence is not above the loan's applied one is ignored (replays are
//    harmless).
//  - Currencies and time zones: a customer's loans may be in several
//    currencies and time zones; they are still one case. Amounts are never
//    summed across currencies: total_overdue_by_currency() has one total per
//    currency, max_dpd() is the max over all loans. The case has one primary
//    currency and one time zone, those of its loan with the smallest id
//    until the case's first decision (a rule over the set of loans, so the
//    order their events arrived in does not matter), fixed from then on:
//    promises, plans, total_overdue(), amount_recovered(), overdue amount
//    conditions and the score are in the primary currency (loans in other
//    currencies count in their own totals only); business dates, holds and
//    contact windows are in the case's time zone (a loan of another zone
//    contributes its snapshot's business date as a civil date). Amounts are
//    exact integer minor units.
//  - Promise to pay: kept when the case's total overdue has fallen by at
//    least the promised amount since the promise was recorded (or the case
//    cured) by grace_until = promised date + grace days; broken when a
//    business date after grace_until arrives first. Breaking counts in
//    broken_promise_count, which drives escalation segments. The case sees
//    overdue amounts, not repayments: penalty accruing after the promise
//    raises the overdue amount and eats into the measured fall, which the
//    grace days are there to absorb.
//  - Holds stop contact, not the overdue clock: delinquency events keep
//    updating DPD and amounts while a hold is active.
//  - DPD runs on between events: the overdue detection service emits an event
//    when a bucket, class or amount changes, not every day, so a delinquent
//    loan's DPD on the case's business date is its snapshot DPD plus the days
//    since the snapshot's business date. AdvanceBusinessDate moves the date
//    forward (never back) and re-projects; max_dpd() is always the projection
//    on business_date().
//  - amount_recovered: the sum of the falls of loans' overdue amounts seen in
//    CHANGED and CURED snapshots (repayments; a restructuring that clears the
//    overdue amount counts too). Corrections are not counted.
//
// Thread-safety: a value type; not synchronized (the service owns each case
// on one thread / transaction at a time).
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_COLLECTION_CASE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_COLLECTION_CASE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/strategy/v1/case.pb.h"
#include "common/money/money.h"

namespace arrears::strategy {

// Case-level rules not owned by a strategy.
struct CasePolicy {
  // Days after the promised date before a promise counts as broken.
  int promise_grace_days = 3;
};

struct CaseLoan {
  std::string loan_id;
  std::string product_code;
  delinquency::v1::DelinquencyState state = delinquency::v1::DELINQUENCY_STATE_UNSPECIFIED;
  int dpd = 0;
  int bucket_ordinal = 0;
  std::string bucket_code;
  int64_t total_overdue_minor = 0;
  int64_t sequence = 0;
  // Business date of the snapshot `dpd` was measured on.
  absl::CivilDay snapshot_date;
  money::Currency currency = money::Currency::Of("CNY");
  std::string time_zone;
};

struct Hold {
  std::string hold_id;
  v1::HoldType type = v1::HOLD_TYPE_UNSPECIFIED;
  std::string set_by;
  std::string reason;
  absl::CivilDay start;
  // Last day the hold is in force; unset = until lifted.
  std::optional<absl::CivilDay> until;
  // E.g. the compliance dispute id or the plan id behind it.
  std::string source_ref;
  // Set once lifted.
  std::string lifted_by;
  std::optional<absl::CivilDay> lifted_on;

  bool ActiveOn(absl::CivilDay day) const { return day >= start && (!until || day <= *until); }
};

struct PromiseToPay {
  std::string promise_id;
  money::Money amount = money::Money::Zero(money::Currency::Of("CNY"));
  absl::CivilDay promised_date;
  absl::CivilDay grace_until;
  // The case's total overdue when the promise was made: repayments are
  // measured as the fall from here.
  int64_t overdue_at_promise_minor = 0;
  v1::Promise::State state = v1::Promise::STATE_OPEN;
  std::string recorded_by;
};

// One contact request the strategy emitted, and its latest outcome.
struct Treatment {
  std::string request_id;
  std::string segment;
  std::string step;
  int step_index = 0;
  int64_t strategy_version = 0;
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  absl::CivilDay requested_on;
  contact::v1::ContactOutcome outcome = contact::v1::CONTACT_OUTCOME_UNSPECIFIED;
};

struct StrategyPosition {
  std::string strategy_id;
  int64_t version = 0;
  std::string variant;
  // Empty before the first decision.
  std::string segment;
  absl::CivilDay segment_entered_on;
};

struct CaseAssignment {
  std::string collector_id;
  std::string team_id;
  std::string queue_id;
  std::string agency_id;
  // Who assigned it ("strategy", a user id) and when.
  std::string assigned_by;
  absl::Time assign_time = absl::InfinitePast();
};

class CollectionCase {
 public:
  // Opens the case on the customer's first delinquency event (STARTED,
  // CHANGED or CORRECTED with a delinquent snapshot). InvalidArgument when
  // the event carries no delinquent loan or an unknown currency/time zone.
  static absl::StatusOr<CollectionCase> Open(std::string case_id,
                                             const delinquency::v1::DelinquencyEvent& event,
                                             CasePolicy policy = {});

  // Applies a delinquency event of one of the customer's loans: updates the
  // loan, the aggregates, judges the open promise and, if `may_close`,
  // closes the case when nothing is delinquent any more (the caller defers
  // that while the business date is not settled and calls CloseIfDone
  // later). INSTALLMENT_DUE_SOON is ignored.
  absl::Status OnDelinquency(const delinquency::v1::DelinquencyEvent& event, bool may_close = true);

  // Closes an open case none of whose loans is delinquent; true when it did.
  bool CloseIfDone();

  // Applies a contact outcome: updates the treatment it answers,
  // contactability, refusal, hardship; records promises; places DISPUTE /
  // COMPLAINT holds.
  absl::Status OnContactOutcome(const contact::v1::ContactEvent& event);

  // Records a promise (superseding an open one, which becomes CANCELLED).
  // InvalidArgument for a non-positive amount or another currency.
  absl::Status RecordPromise(std::string promise_id, money::Money amount,
                             absl::CivilDay promised_date, std::string recorded_by);

  // Breaks the open promise if `business_date` is past its grace. Returns
  // true when it broke it. Call once per business day (Decide does not).
  bool EvaluatePromise(absl::CivilDay business_date);

  // Moves the business date to `day` if later, projecting DPD (see above).
  // Returns true when the date moved. No-op on a closed case.
  bool AdvanceBusinessDate(absl::CivilDay day);

  // Cancels the open promise (superseded by a plan, or withdrawn). Returns
  // the cancelled promise, if there was one.
  std::optional<PromiseToPay> CancelOpenPromise();

  // AlreadyExists for a duplicate hold id.
  absl::Status PlaceHold(Hold hold);
  // NotFound for an unknown hold id. The hold moves to lifted_holds() with
  // `lifted_by` and the business date.
  absl::Status LiftHold(absl::string_view hold_id, absl::string_view lifted_by);
  // The active (not lifted) hold `hold_id`, or nullptr.
  const Hold* FindHold(absl::string_view hold_id) const;

  void SetHardship(bool hardship) { hardship_ = hardship; }
  // New contact data can end a lost contact (back to UNKNOWN: worth trying).
  void SetContactability(v1::Contactability contactability) { contactability_ = contactability; }
  void SetSelfCurePermille(int permille) { self_cure_permille_ = permille; }
  void Assign(CaseAssignment assignment) { assignment_ = std::move(assignment); }
  void SetStrategy(std::string strategy_id, int64_t version, std::string variant);
  // Forgets the strategy position (a simulation of another strategy starts
  // the case afresh on it); the treatment history stays.
  void ClearStrategy() { strategy_ = StrategyPosition{}; }
  void EnterSegment(std::string segment, absl::CivilDay on);
  void RecordTreatment(Treatment treatment);

  // The active holds on `day`.
  bool HasActiveHold(absl::CivilDay day) const;
  // An open promise whose grace has not passed on `day`.
  bool PromisePending(absl::CivilDay day) const;
  // The most recent treatment of the current segment, if any.
  const Treatment* LastTreatment() const;
  bool StepEmitted(absl::string_view segment, absl::string_view step) const;

  const std::string& case_id() const { return case_id_; }
  const std::string& customer_id() const { return customer_id_; }
  bool closed() const { return closed_; }
  const std::string& close_reason() const { return close_reason_; }
  absl::CivilDay opened_on() const { return opened_on_; }
  std::optional<absl::CivilDay> closed_on() const { return closed_on_; }
  absl::CivilDay business_date() const { return business_date_; }
  // Sorted by loan id.
  const std::vector<CaseLoan>& loans() const { return loans_; }
  // The primary currency (see above).
  money::Currency currency() const { return currency_; }
  // Delinquent loans' overdue in the primary currency.
  money::Money total_overdue() const {
    return money::Money::FromMinor(total_overdue_minor_, currency_);
  }
  // Delinquent loans' overdue per currency, by currency code; the primary
  // currency is always listed (zero if nothing is overdue in it).
  std::vector<money::Money> total_overdue_by_currency() const;
  int max_dpd() const { return max_dpd_; }
  int max_bucket_ordinal() const { return max_bucket_ordinal_; }
  const absl::TimeZone& time_zone() const { return time_zone_; }
  v1::Contactability contactability() const { return contactability_; }
  bool refusing() const { return refusing_; }
  int broken_promise_count() const { return broken_promise_count_; }
  const std::optional<PromiseToPay>& open_promise() const { return open_promise_; }
  const std::vector<PromiseToPay>& resolved_promises() const { return resolved_promises_; }
  bool hardship() const { return hardship_; }
  const std::vector<Hold>& holds() const { return holds_; }
  const std::vector<Hold>& lifted_holds() const { return lifted_holds_; }
  int prior_complaint_count() const { return prior_complaint_count_; }
  void set_prior_complaint_count(int count) { prior_complaint_count_ = count; }
  std::optional<int> self_cure_permille() const { return self_cure_permille_; }
  const CaseAssignment& assignment() const { return assignment_; }
  const StrategyPosition& strategy() const { return strategy_; }
  const std::vector<Treatment>& treatments() const { return treatments_; }
  int contact_attempt_count() const { return contact_attempt_count_; }
  const CasePolicy& policy() const { return policy_; }
  money::Money amount_recovered() const {
    return money::Money::FromMinor(recovered_minor_, currency_);
  }
  // Whether any loan is still delinquent.
  bool AnyDelinquent() const;

 private:
  // Rebuilds cases from their stored form (case_codec.h).
  friend class CaseCodec;

  CollectionCase() = default;

  absl::Status ApplySnapshot(const delinquency::v1::DelinquencyEvent& event);
  void RecomputeAggregates();
  void JudgePromiseOnRepayment();
  void ResolvePromise(v1::Promise::State state);
  // Before the first decision: primary currency and zone from the loan with
  // the smallest id.
  absl::Status ChoosePrimaryLoan();

  std::string case_id_;
  std::string customer_id_;
  CasePolicy policy_;
  bool closed_ = false;
  std::string close_reason_;
  absl::CivilDay opened_on_;
  std::optional<absl::CivilDay> closed_on_;
  absl::CivilDay business_date_;
  std::vector<CaseLoan> loans_;
  money::Currency currency_ = money::Currency::Of("CNY");
  std::string time_zone_name_;
  absl::TimeZone time_zone_;
  int64_t total_overdue_minor_ = 0;
  int max_dpd_ = 0;
  int max_bucket_ordinal_ = 0;
  v1::Contactability contactability_ = v1::CONTACTABILITY_UNKNOWN;
  bool refusing_ = false;
  int broken_promise_count_ = 0;
  std::optional<PromiseToPay> open_promise_;
  std::vector<PromiseToPay> resolved_promises_;
  bool hardship_ = false;
  std::vector<Hold> holds_;
  std::vector<Hold> lifted_holds_;
  int prior_complaint_count_ = 0;
  std::optional<int> self_cure_permille_;
  CaseAssignment assignment_;
  StrategyPosition strategy_;
  std::vector<Treatment> treatments_;
  int contact_attempt_count_ = 0;
  int64_t recovered_minor_ = 0;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_COLLECTION_CASE_H_
