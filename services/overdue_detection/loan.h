// Loan: one loan's terms and the business facts received about it, with the
// validation of incoming loan events (arrears.loan.v1.LoanEvent).
//
// A Loan holds facts, never derived state: the schedule at opening, every
// repayment (and its reversal, if any), every restructuring, fee, waiver,
// the closing and the write-off. What is overdue on a date is computed from
// these by ledger.h, which re-runs the repayment waterfall over the facts in
// date order, so a reversal or a back-dated repayment is exact by
// construction.
//
// Amounts are int64 minor units of currency() (money.h semantics). Every
// single amount is at most kMaxAmountMinor, so sums over one loan stay far
// from int64 limits.
//
// Errors:
//  - InvalidArgument for a malformed event, naming the field as the event
//    spells it: "repayment_posted.amount.currency_code: loan is in CNY, got
//    USD", "loan_opened.installments[3].number: duplicate installment 2".
//  - FailedPrecondition for an event that refers to something this loan does
//    not have yet (a reversal of an unknown repayment, a waiver of an unknown
//    fee), so the service can park it until the referenced fact arrives.
//
// Idempotence: recording an event whose id was recorded before (repayment_id,
// reversal_id, restructure_id, fee_id, waiver_id, or a repeated identical
// close / write-off) changes nothing and reports `duplicate`; the same id with
// different content is InvalidArgument.
//
// Facts keep their arrival order (vector order); facts of the same kind dated
// the same day take effect in that order.
//
// Value type; not synchronized.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "common/money/currency.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue {

// 10^15 minor units (10 trillion CNY): far above any loan, far below int64.
inline constexpr int64_t kMaxAmountMinor = 1'000'000'000'000'000;

struct ScheduledInstallment {
  int32_t number = 0;
  absl::CivilDay due_date;
  int64_t principal_minor = 0;
  int64_t interest_minor = 0;
  int64_t fees_minor = 0;

  friend bool operator==(const ScheduledInstallment&, const ScheduledInstallment&) = default;
};

struct RepaymentFact {
  std::string repayment_id;
  int64_t amount_minor = 0;
  absl::CivilDay value_date;
  // Empty while the repayment stands.
  std::string reversal_id;

  bool reversed() const { return !reversal_id.empty(); }
};

// Installments numbered >= replaces_from_number are replaced by
// `installments` from effective_date on (see ledger.h for what happens to
// money already allocated to them).
struct RestructureFact {
  std::string restructure_id;
  absl::CivilDay effective_date;
  int32_t replaces_from_number = 1;
  std::vector<ScheduledInstallment> installments;  // by number
};

struct FeeFact {
  std::string fee_id;
  std::string fee_code;
  int64_t amount_minor = 0;
  // The installment it is added to; 0 = a standalone fee due on due_date.
  int32_t installment_number = 0;
  absl::CivilDay due_date;
  absl::CivilDay charge_date;
  // Sum of its waivers so far, <= amount_minor.
  int64_t waived_minor = 0;
};

struct WaiverFact {
  std::string waiver_id;
  std::string fee_id;
  int64_t amount_minor = 0;
  absl::CivilDay effective_date;
};

// What recording an event did.
struct FactChange {
  // The event repeated one recorded before; nothing changed.
  bool duplicate = false;
  // The first civil date whose position the fact can change (its value or
  // effective date; for a reversal, the reversed repayment's value date).
  absl::CivilDay effective_date;
};

class Loan {
 public:
  // A loan from its LoanOpened event, validated against its product.
  static absl::StatusOr<Loan> Open(const loan::v1::LoanEvent& event,
                                   const ProductCatalog& products);

  // Validates and records any event but LoanOpened (InvalidArgument for that).
  // On error the loan is unchanged.
  absl::StatusOr<FactChange> Record(const loan::v1::LoanEvent& event);

  // True when `other` was opened with the same terms (a redelivered opening).
  bool HasSameTerms(const Loan& other) const;

  const std::string& loan_id() const { return loan_id_; }
  const std::string& customer_id() const { return customer_id_; }
  const std::string& product_code() const { return product_code_; }
  const std::string& branch_id() const { return branch_id_; }
  money::Currency currency() const { return currency_; }
  const std::string& time_zone_name() const { return time_zone_name_; }
  absl::CivilDay disbursement_date() const { return disbursement_date_; }
  int64_t principal_minor() const { return principal_minor_; }

  // The schedule as opened, by number.
  const std::vector<ScheduledInstallment>& opening_schedule() const { return opening_schedule_; }
  // In arrival order.
  const std::vector<RepaymentFact>& repayments() const { return repayments_; }
  const std::vector<RestructureFact>& restructures() const { return restructures_; }
  const std::vector<FeeFact>& fees() const { return fees_; }
  const std::vector<WaiverFact>& waivers() const { return waivers_; }
  const absl::optional<absl::CivilDay>& closed_on() const { return closed_on_; }
  loan::v1::LoanClosed::Reason close_reason() const { return close_reason_; }
  const absl::optional<absl::CivilDay>& written_off_on() const { return written_off_on_; }

  // The schedule with every restructuring applied in effective-date order,
  // by number: what the loan system considers the schedule now.
  std::vector<ScheduledInstallment> LatestSchedule() const;

 private:
  // Restores loans from their stored bytes (loan_record_codec.h).
  friend class LoanRecordCodec;

  explicit Loan(money::Currency currency) : currency_(currency) {}

  absl::StatusOr<FactChange> RecordRepayment(const loan::v1::RepaymentPosted& event);
  absl::StatusOr<FactChange> RecordReversal(const loan::v1::RepaymentReversed& event);
  absl::StatusOr<FactChange> RecordRestructure(const loan::v1::ScheduleRestructured& event);
  absl::StatusOr<FactChange> RecordFee(const loan::v1::FeeCharged& event);
  absl::StatusOr<FactChange> RecordWaiver(const loan::v1::FeeWaived& event);
  absl::StatusOr<FactChange> RecordClosed(const loan::v1::LoanClosed& event);
  absl::StatusOr<FactChange> RecordWrittenOff(const loan::v1::LoanWrittenOff& event);

  // `proto` as an amount of this loan: its currency, 0..kMaxAmountMinor, and
  // > 0 when `positive`.
  absl::StatusOr<int64_t> Amount(const common::v1::Money& proto, absl::string_view field,
                                 bool positive) const;
  // A civil date on or after the disbursement date.
  absl::StatusOr<absl::CivilDay> DateInLife(const common::v1::Date& proto,
                                            absl::string_view field) const;
  absl::StatusOr<std::vector<ScheduledInstallment>> Installments(
      const google::protobuf::RepeatedPtrField<loan::v1::Installment>& installments,
      absl::string_view field, int32_t min_number) const;

  std::string loan_id_;
  std::string customer_id_;
  std::string product_code_;
  std::string branch_id_;
  money::Currency currency_;
  std::string time_zone_name_;
  absl::TimeZone time_zone_;
  absl::CivilDay disbursement_date_;
  int64_t principal_minor_ = 0;
  std::vector<ScheduledInstallment> opening_schedule_;
  std::vector<RepaymentFact> repayments_;
  std::vector<RestructureFact> restructures_;
  std::vector<FeeFact> fees_;
  std::vector<WaiverFact> waivers_;
  absl::optional<absl::CivilDay> closed_on_;
  loan::v1::LoanClosed::Reason close_reason_ = loan::v1::LoanClosed::REASON_UNSPECIFIED;
  absl::optional<absl::CivilDay> written_off_on_;
  int64_t written_off_minor_ = 0;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_H_
