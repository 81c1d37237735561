#include "services/overdue_detection/loan.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/ids/ids.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/time/time_zone.h"

namespace arrears::overdue {
namespace {

absl::Status FieldError(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

bool IsSet(const common::v1::Date& date) {
  return date.year() != 0 || date.month() != 0 || date.day() != 0;
}

std::vector<ScheduledInstallment> ApplyRestructure(std::vector<ScheduledInstallment> schedule,
                                                   const RestructureFact& restructure) {
  schedule.erase(std::remove_if(schedule.begin(), schedule.end(),
                                [&](const ScheduledInstallment& i) {
                                  return i.number >= restructure.replaces_from_number;
                                }),
                 schedule.end());
  schedule.insert(schedule.end(), restructure.installments.begin(), restructure.installments.end());
  std::sort(schedule.begin(), schedule.end(),
            [](const ScheduledInstallment& a, const ScheduledInstallment& b) {
              return a.number < b.number;
            });
  return schedule;
}

}  // namespace

absl::StatusOr<Loan> Loan::Open(const loan::v1::LoanEvent& event, const ProductCatalog& products) {
  if (!event.has_loan_opened()) {
    return FieldError("loan_opened", "required");
  }
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("loan_id", event.loan_id()));
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("customer_id", event.customer_id()));
  const loan::v1::LoanOpened& opened = event.loan_opened();

  const ProductConfig* product = products.Find(opened.product_code());
  if (product == nullptr) {
    return FieldError("loan_opened.product_code",
                      absl::StrCat("unknown product \"", opened.product_code(), "\""));
  }
  absl::StatusOr<money::Currency> currency = money::Currency::FromCode(opened.currency_code());
  if (!currency.ok()) {
    return Annotate(currency.status(), "loan_opened.currency_code");
  }
  if (*currency != product->currency) {
    return FieldError("loan_opened.currency_code",
                      absl::StrCat("product ", product->code, " is in ", product->currency.code(),
                                   ", got ", currency->code()));
  }
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("loan_opened.branch_id", opened.branch_id()));
  absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(opened.time_zone());
  if (!zone.ok()) {
    return Annotate(zone.status(), "loan_opened.time_zone");
  }

  Loan loan(*currency);
  loan.loan_id_ = event.loan_id();
  loan.customer_id_ = event.customer_id();
  loan.product_code_ = opened.product_code();
  loan.branch_id_ = opened.branch_id();
  loan.time_zone_name_ = opened.time_zone();
  loan.time_zone_ = *zone;
  ARREARS_ASSIGN_OR_RETURN(
      loan.disbursement_date_,
      CivilDayFromProto(opened.disbursement_date(), "loan_opened.disbursement_date"));
  ARREARS_ASSIGN_OR_RETURN(loan.principal_minor_,
                           loan.Amount(opened.principal(), "loan_opened.principal", true));
  if (opened.installments().empty()) {
    return FieldError("loan_opened.installments", "at least one installment required");
  }
  ARREARS_ASSIGN_OR_RETURN(loan.opening_schedule_,
                           loan.Installments(opened.installments(), "loan_opened.installments", 1));
  int64_t scheduled_principal = 0;
  for (const ScheduledInstallment& installment : loan.opening_schedule_) {
    scheduled_principal += installment.principal_minor;
  }
  if (scheduled_principal != loan.principal_minor_) {
    return FieldError("loan_opened.installments",
                      absl::StrCat("principal sums to ", scheduled_principal,
                                   " minor units, loan principal is ", loan.principal_minor_));
  }
  return loan;
}

bool Loan::HasSameTerms(const Loan& other) const {
  return loan_id_ == other.loan_id_ && customer_id_ == other.customer_id_ &&
         product_code_ == other.product_code_ && branch_id_ == other.branch_id_ &&
         currency_ == other.currency_ && time_zone_name_ == other.time_zone_name_ &&
         disbursement_date_ == other.disbursement_date_ &&
         principal_minor_ == other.principal_minor_ && opening_schedule_ == other.opening_schedule_;
}

absl::StatusOr<FactChange> Loan::Record(const loan::v1::LoanEvent& event) {
  if (event.loan_id() != loan_id_) {
    return FieldError("loan_id", absl::StrCat("event is for loan \"", event.loan_id(), "\", not \"",
                                              loan_id_, "\""));
  }
  if (event.customer_id() != customer_id_) {
    return FieldError("customer_id",
                      absl::StrCat("loan ", loan_id_, " belongs to customer \"", customer_id_,
                                   "\", event names \"", event.customer_id(), "\""));
  }
  switch (event.event_case()) {
    case loan::v1::LoanEvent::kLoanOpened:
      return FieldError("loan_opened", absl::StrCat("loan ", loan_id_, " is already open"));
    case loan::v1::LoanEvent::kRepaymentPosted:
      return RecordRepayment(event.repayment_posted());
    case loan::v1::LoanEvent::kRepaymentReversed:
      return RecordReversal(event.repayment_reversed());
    case loan::v1::LoanEvent::kScheduleRestructured:
      return RecordRestructure(event.schedule_restructured());
    case loan::v1::LoanEvent::kFeeCharged:
      return RecordFee(event.fee_charged());
    case loan::v1::LoanEvent::kFeeWaived:
      return RecordWaiver(event.fee_waived());
    case loan::v1::LoanEvent::kLoanClosed:
      return RecordClosed(event.loan_closed());
    case loan::v1::LoanEvent::kLoanWrittenOff:
      return RecordWrittenOff(event.loan_written_off());
    case loan::v1::LoanEvent::EVENT_NOT_SET:
      break;
  }
  return FieldError("event", "no event member is set");
}

absl::StatusOr<FactChange> Loan::RecordRepayment(const loan::v1::RepaymentPosted& event) {
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("repayment_posted.repayment_id", event.repayment_id()));
  ARREARS_ASSIGN_OR_RETURN(int64_t amount, Amount(event.amount(), "repayment_posted.amount", true));
  absl::CivilDay value_date;
  if (IsSet(event.value_date())) {
    ARREARS_ASSIGN_OR_RETURN(value_date,
                             DateInLife(event.value_date(), "repayment_posted.value_date"));
  } else if (event.has_posted_at()) {
    // Without a value date the money counts from the civil day of posting in
    // the loan's zone (not UTC, not the server's zone).
    value_date = time::LocalDate(FromTimestamp(event.posted_at()), time_zone_);
    if (value_date < disbursement_date_) {
      return FieldError("repayment_posted.posted_at", "before the disbursement date");
    }
  } else {
    return FieldError("repayment_posted.value_date", "required (or posted_at)");
  }
  for (const RepaymentFact& existing : repayments_) {
    if (existing.repayment_id != event.repayment_id()) {
      continue;
    }
    if (existing.amount_minor == amount && existing.value_date == value_date) {
      return FactChange{true, value_date};
    }
    return FieldError("repayment_posted.repayment_id",
                      absl::StrCat("repayment ", event.repayment_id(),
                                   " was already posted with another amount or value date"));
  }
  repayments_.push_back({event.repayment_id(), amount, value_date, ""});
  return FactChange{false, value_date};
}

absl::StatusOr<FactChange> Loan::RecordReversal(const loan::v1::RepaymentReversed& event) {
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("repayment_reversed.reversal_id", event.reversal_id()));
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("repayment_reversed.repayment_id", event.repayment_id()));
  RepaymentFact* target = nullptr;
  for (RepaymentFact& repayment : repayments_) {
    if (repayment.reversal_id == event.reversal_id() &&
        repayment.repayment_id != event.repayment_id()) {
      return FieldError("repayment_reversed.reversal_id",
                        absl::StrCat("reversal ", event.reversal_id(),
                                     " already reversed repayment ", repayment.repayment_id));
    }
    if (repayment.repayment_id == event.repayment_id()) {
      target = &repayment;
    }
  }
  if (target == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("repayment_reversed.repayment_id: loan ",
                                                      loan_id_, " has no repayment ",
                                                      event.repayment_id()));
  }
  if (target->reversal_id == event.reversal_id()) {
    return FactChange{true, target->value_date};
  }
  if (target->reversed()) {
    return FieldError("repayment_reversed.repayment_id",
                      absl::StrCat("repayment ", target->repayment_id, " was already reversed by ",
                                   target->reversal_id));
  }
  target->reversal_id = event.reversal_id();
  return FactChange{false, target->value_date};
}

absl::StatusOr<FactChange> Loan::RecordRestructure(const loan::v1::ScheduleRestructured& event) {
  ARREARS_RETURN_IF_ERROR(
      ids::ValidateId("schedule_restructured.restructure_id", event.restructure_id()));
  RestructureFact fact;
  fact.restructure_id = event.restructure_id();
  ARREARS_ASSIGN_OR_RETURN(fact.effective_date, DateInLife(event.effective_date(),
                                                           "schedule_restructured.effective_date"));
  if (event.replaces_from_number() < 1) {
    return FieldError("schedule_restructured.replaces_from_number",
                      absl::StrCat("must be >= 1, got ", event.replaces_from_number()));
  }
  fact.replaces_from_number = event.replaces_from_number();
  ARREARS_ASSIGN_OR_RETURN(fact.installments,
                           Installments(event.installments(), "schedule_restructured.installments",
                                        event.replaces_from_number()));
  for (const RestructureFact& existing : restructures_) {
    if (existing.restructure_id != fact.restructure_id) {
      continue;
    }
    if (existing.effective_date == fact.effective_date &&
        existing.replaces_from_number == fact.replaces_from_number &&
        existing.installments == fact.installments) {
      return FactChange{true, fact.effective_date};
    }
    return FieldError("schedule_restructured.restructure_id",
                      absl::StrCat("restructuring ", fact.restructure_id,
                                   " was already recorded with other content"));
  }
  const absl::CivilDay effective = fact.effective_date;
  restructures_.push_back(std::move(fact));
  return FactChange{false, effective};
}

absl::StatusOr<FactChange> Loan::RecordFee(const loan::v1::FeeCharged& event) {
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("fee_charged.fee_id", event.fee_id()));
  FeeFact fee;
  fee.fee_id = event.fee_id();
  fee.fee_code = event.fee_code();
  ARREARS_ASSIGN_OR_RETURN(fee.amount_minor, Amount(event.amount(), "fee_charged.amount", true));
  ARREARS_ASSIGN_OR_RETURN(fee.charge_date,
                           DateInLife(event.charge_date(), "fee_charged.charge_date"));
  if (event.installment_number() < 0) {
    return FieldError("fee_charged.installment_number",
                      absl::StrCat("must be >= 0, got ", event.installment_number()));
  }
  fee.installment_number = event.installment_number();
  if (fee.installment_number == 0) {
    ARREARS_ASSIGN_OR_RETURN(fee.due_date, DateInLife(event.due_date(), "fee_charged.due_date"));
  } else {
    const std::vector<ScheduledInstallment> schedule = LatestSchedule();
    const bool known = std::any_of(
        schedule.begin(), schedule.end(),
        [&](const ScheduledInstallment& i) { return i.number == fee.installment_number; });
    if (!known) {
      return FieldError(
          "fee_charged.installment_number",
          absl::StrCat("loan ", loan_id_, " has no installment ", fee.installment_number));
    }
    fee.due_date = fee.charge_date;
  }
  for (const FeeFact& existing : fees_) {
    if (existing.fee_id != fee.fee_id) {
      continue;
    }
    if (existing.amount_minor == fee.amount_minor && existing.charge_date == fee.charge_date &&
        existing.installment_number == fee.installment_number &&
        existing.due_date == fee.due_date) {
      return FactChange{true, fee.charge_date};
    }
    return FieldError("fee_charged.fee_id",
                      absl::StrCat("fee ", fee.fee_id, " was already charged with other content"));
  }
  const absl::CivilDay effective = fee.charge_date;
  fees_.push_back(std::move(fee));
  return FactChange{false, effective};
}

absl::StatusOr<FactChange> Loan::RecordWaiver(const loan::v1::FeeWaived& event) {
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("fee_waived.waiver_id", event.waiver_id()));
  ARREARS_RETURN_IF_ERROR(ids::ValidateId("fee_waived.fee_id", event.fee_id()));
  ARREARS_ASSIGN_OR_RETURN(int64_t amount, Amount(event.amount(), "fee_waived.amount", true));
  ARREARS_ASSIGN_OR_RETURN(absl::CivilDay effective,
                           DateInLife(event.effective_date(), "fee_waived.effective_date"));
  for (const WaiverFact& existing : waivers_) {
    if (existing.waiver_id != event.waiver_id()) {
      continue;
    }
    if (existing.fee_id == event.fee_id() && existing.amount_minor == amount &&
        existing.effective_date == effective) {
      return FactChange{true, effective};
    }
    return FieldError(
        "fee_waived.waiver_id",
        absl::StrCat("waiver ", event.waiver_id(), " was already recorded with other content"));
  }
  auto fee = std::find_if(fees_.begin(), fees_.end(),
                          [&](const FeeFact& f) { return f.fee_id == event.fee_id(); });
  if (fee == fees_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("fee_waived.fee_id: loan ", loan_id_, " has no fee ", event.fee_id()));
  }
  if (amount > fee->amount_minor - fee->waived_minor) {
    return FieldError("fee_waived.amount",
                      absl::StrCat("exceeds the unwaived part of fee ", fee->fee_id, " (",
                                   fee->amount_minor - fee->waived_minor, " minor units)"));
  }
  if (effective < fee->charge_date) {
    return FieldError(
        "fee_waived.effective_date",
        absl::StrCat("before the fee's charge date ", time::FormatCivilDay(fee->charge_date)));
  }
  fee->waived_minor += amount;
  waivers_.push_back({event.waiver_id(), event.fee_id(), amount, effective});
  return FactChange{false, effective};
}

absl::StatusOr<FactChange> Loan::RecordClosed(const loan::v1::LoanClosed& event) {
  ARREARS_ASSIGN_OR_RETURN(absl::CivilDay closed_on,
                           DateInLife(event.closed_on(), "loan_closed.closed_on"));
  if (closed_on_.has_value()) {
    if (*closed_on_ == closed_on && close_reason_ == event.reason()) {
      return FactChange{true, closed_on};
    }
    return FieldError("loan_closed", absl::StrCat("loan ", loan_id_, " was already closed on ",
                                                  time::FormatCivilDay(*closed_on_)));
  }
  closed_on_ = closed_on;
  close_reason_ = event.reason();
  return FactChange{false, closed_on};
}

absl::StatusOr<FactChange> Loan::RecordWrittenOff(const loan::v1::LoanWrittenOff& event) {
  ARREARS_ASSIGN_OR_RETURN(absl::CivilDay written_off_on,
                           DateInLife(event.written_off_on(), "loan_written_off.written_off_on"));
  ARREARS_ASSIGN_OR_RETURN(int64_t amount,
                           Amount(event.amount(), "loan_written_off.amount", false));
  if (written_off_on_.has_value()) {
    if (*written_off_on_ == written_off_on && written_off_minor_ == amount) {
      return FactChange{true, written_off_on};
    }
    return FieldError("loan_written_off",
                      absl::StrCat("loan ", loan_id_, " was already written off on ",
                                   time::FormatCivilDay(*written_off_on_)));
  }
  written_off_on_ = written_off_on;
  written_off_minor_ = amount;
  return FactChange{false, written_off_on};
}

std::vector<ScheduledInstallment> Loan::LatestSchedule() const {
  std::vector<const RestructureFact*> ordered;
  for (const RestructureFact& r : restructures_) {
    ordered.push_back(&r);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const RestructureFact* a, const RestructureFact* b) {
                     return a->effective_date < b->effective_date;
                   });
  std::vector<ScheduledInstallment> schedule = opening_schedule_;
  for (const RestructureFact* r : ordered) {
    schedule = ApplyRestructure(std::move(schedule), *r);
  }
  return schedule;
}

absl::StatusOr<int64_t> Loan::Amount(const common::v1::Money& proto, absl::string_view field,
                                     bool positive) const {
  // An absent optional amount (e.g. an installment without fees) is zero.
  if (!positive && proto.amount_minor() == 0 && proto.currency_code().empty()) {
    return 0;
  }
  ARREARS_ASSIGN_OR_RETURN(money::Money money, MoneyFromProto(proto, field));
  if (money.currency() != currency_) {
    return FieldError(
        absl::StrCat(field, ".currency_code"),
        absl::StrCat("loan is in ", currency_.code(), ", got ", money.currency().code()));
  }
  const int64_t minor = money.minor_units();
  if (minor < 0 || (positive && minor == 0)) {
    return FieldError(
        absl::StrCat(field, ".amount_minor"),
        absl::StrCat(positive ? "must be positive" : "must not be negative", ", got ", minor));
  }
  if (minor > kMaxAmountMinor) {
    return FieldError(absl::StrCat(field, ".amount_minor"),
                      absl::StrCat("must be at most ", kMaxAmountMinor, ", got ", minor));
  }
  return minor;
}

absl::StatusOr<absl::CivilDay> Loan::DateInLife(const common::v1::Date& proto,
                                                absl::string_view field) const {
  ARREARS_ASSIGN_OR_RETURN(absl::CivilDay day, CivilDayFromProto(proto, field));
  if (day < disbursement_date_) {
    return FieldError(field,
                      absl::StrCat(time::FormatCivilDay(day), " is before the disbursement date ",
                                   time::FormatCivilDay(disbursement_date_)));
  }
  return day;
}

absl::StatusOr<std::vector<ScheduledInstallment>> Loan::Installments(
    const google::protobuf::RepeatedPtrField<loan::v1::Installment>& installments,
    absl::string_view field, int32_t min_number) const {
  std::vector<ScheduledInstallment> result;
  absl::flat_hash_set<int32_t> numbers;
  for (int i = 0; i < installments.size(); ++i) {
    const loan::v1::Installment& in = installments[i];
    const std::string item = absl::StrCat(field, "[", i, "]");
    if (in.number() < min_number) {
      return FieldError(item + ".number",
                        absl::StrCat("must be >= ", min_number, ", got ", in.number()));
    }
    if (!numbers.insert(in.number()).second) {
      return FieldError(item + ".number", absl::StrCat("duplicate installment ", in.number()));
    }
    ScheduledInstallment out;
    out.number = in.number();
    ARREARS_ASSIGN_OR_RETURN(out.due_date, CivilDayFromProto(in.due_date(), item + ".due_date"));
    if (out.due_date <= disbursement_date_) {
      return FieldError(item + ".due_date", absl::StrCat("must be after the disbursement date ",
                                                         time::FormatCivilDay(disbursement_date_)));
    }
    ARREARS_ASSIGN_OR_RETURN(out.principal_minor,
                             Amount(in.principal(), item + ".principal", false));
    ARREARS_ASSIGN_OR_RETURN(out.interest_minor, Amount(in.interest(), item + ".interest", false));
    ARREARS_ASSIGN_OR_RETURN(out.fees_minor, Amount(in.fees(), item + ".fees", false));
    if (out.principal_minor + out.interest_minor + out.fees_minor == 0) {
      return FieldError(item, "principal, interest and fees are all zero");
    }
    result.push_back(out);
  }
  std::sort(result.begin(), result.end(),
            [](const ScheduledInstallment& a, const ScheduledInstallment& b) {
              return a.number < b.number;
            });
  for (size_t i = 1; i < result.size(); ++i) {
    if (result[i].due_date <= result[i - 1].due_date) {
      return FieldError(
          field,
          absl::StrCat("due dates must increase with the number: installment ", result[i].number,
                       " is due ", time::FormatCivilDay(result[i].due_date), ", installment ",
                       result[i - 1].number, " ", time::FormatCivilDay(result[i - 1].due_date)));
    }
  }
  return result;
}

}  // namespace arrears::overdue
