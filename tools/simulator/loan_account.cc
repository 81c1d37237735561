#include "tools/simulator/loan_account.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"
#include "tools/simulator/entity_random.h"

namespace arrears::simulator {
namespace {

// What people pay is a round amount: whole yuan, rounded up.
int64_t RoundUpToYuan(int64_t minor) { return (minor + 99) / 100 * 100; }

// Days late: mostly a few, sometimes one or two weeks, now and then three.
int64_t DrawDaysLate(EntityRandom& random) {
  switch (random.Weighted({50, 35, 15})) {
    case 0:
      return random.Uniform(1, 3);
    case 1:
      return random.Uniform(4, 10);
    default:
      return random.Uniform(11, 25);
  }
}

}  // namespace

LoanAccount::LoanAccount(Loan loan, const Customer& customer, AccountContext context)
    : loan_(std::move(loan)),
      behaviour_(customer.behaviour),
      onset_day_(customer.onset_day),
      context_(std::move(context)),
      schedule_(loan_.installments) {
  loan::v1::LoanEvent opened;
  *opened.mutable_loan_opened() = ToLoanOpened(loan_);
  Queue(opened_at(), Kind::kOpened, 0, std::move(opened));
  PlanInstallments(0, /*under_plan=*/false);
  PlanRefusalPayoff();
  PlanClosure();
}

absl::Time LoanAccount::At(absl::CivilDay day, int hour, int minute) const {
  return absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute),
                         context_.zone);
}

absl::Time LoanAccount::opened_at() const { return At(loan_.disbursement_date, 10, 0); }

absl::Time LoanAccount::next_event_time() const {
  return pending_.empty() ? absl::InfiniteFuture() : pending_.front().at;
}

void LoanAccount::Queue(absl::Time at, Kind kind, int installment, loan::v1::LoanEvent event) {
  Pending pending{at, kind, installment, std::move(event)};
  // Insert after every event at the same time: equal times keep the order
  // in which they were planned.
  auto position = std::upper_bound(pending_.begin(), pending_.end(), at,
                                   [](absl::Time t, const Pending& p) { return t < p.at; });
  pending_.insert(position, std::move(pending));
}

void LoanAccount::QueueRepayment(absl::Time at, int64_t amount, absl::string_view channel,
                                 int installment) {
  loan::v1::LoanEvent event;
  loan::v1::RepaymentPosted& repayment = *event.mutable_repayment_posted();
  repayment.set_repayment_id(absl::StrCat("RP-", loan_.loan_id, "-", ++repayments_));
  *repayment.mutable_amount() = MinorUnits(amount, loan_.product->currency);
  *repayment.mutable_value_date() = ToProto(time::LocalDate(at, context_.zone));
  repayment.set_payment_channel(std::string(channel));
  *repayment.mutable_posted_at() = ToTimestamp(at);
  Queue(at, Kind::kRepayment, installment, std::move(event));
}

int64_t LoanAccount::LateFee(const InstallmentTerms& installment) const {
  if (loan_.product->late_fee_bp == 0) return 0;
  return std::max(loan_.product->late_fee_min_minor,
                  RoundUpToYuan(installment.total_minor() * loan_.product->late_fee_bp / 10'000));
}

void LoanAccount::QueueLateFee(const InstallmentTerms& installment) {
  const int64_t fee = LateFee(installment);
  const absl::CivilDay charge_day = installment.due_date + 1;
  if (fee == 0 || charge_day > LastDay()) return;
  loan::v1::LoanEvent event;
  loan::v1::FeeCharged& charged = *event.mutable_fee_charged();
  // A restructure reuses installment numbers with new terms, so a fee on a
  // planned installment names the schedule revision too: one fee id, one
  // content (the overdue service dead-letters a reused id with other terms).
  charged.set_fee_id(applied_plans_.empty()
                         ? absl::StrCat("FEE-", loan_.loan_id, "-", installment.number)
                         : absl::StrCat("FEE-", loan_.loan_id, "-R", applied_plans_.size(), "-",
                                        installment.number));
  charged.set_fee_code("LATE_FEE");
  *charged.mutable_amount() = MinorUnits(fee, loan_.product->currency);
  charged.set_installment_number(installment.number);
  *charged.mutable_charge_date() = ToProto(charge_day);
  // The card system's overnight batch.
  Queue(At(charge_day, 2, 0), Kind::kFee, installment.number, std::move(event));
}

int64_t LoanAccount::WithPenalty(int64_t amount, int64_t days_late) const {
  const int64_t penalty = amount * loan_.product->late_penalty_ppm_per_day *
                          std::max<int64_t>(0, days_late) / 1'000'000;
  return RoundUpToYuan(amount + penalty);
}

bool LoanAccount::InTrouble(absl::CivilDay due) const {
  return StopsPaying(behaviour_) && due >= context_.start + onset_day_;
}

void LoanAccount::PlanInstallments(size_t from, bool under_plan) {
  for (size_t i = from; i < schedule_.size(); ++i) PlanInstallment(schedule_[i], under_plan);
}

void LoanAccount::PlanInstallment(const InstallmentTerms& installment, bool under_plan) {
  const absl::CivilDay due = installment.due_date;
  // Early payers pay up to three days ahead: plan a little past the end.
  if (due > LastDay() + 3) return;
  EntityRandom random(context_.seed, under_plan ? "plan-payment" : "payment",
                      static_cast<uint64_t>(context_.loan_index) * 1024 +
                          static_cast<uint64_t>(installment.number));
  const int64_t total = installment.total_minor();
  const absl::CivilDay earliest = std::max(context_.start, loan_.disbursement_date + 1);
  const int number = installment.number;

  Behaviour behaviour = behaviour_;
  if (under_plan) {
    // Most keep an agreed plan; a few break it and stop again.
    if (random.ChancePerMille(100)) {
      QueueLateFee(installment);
      return;
    }
    behaviour = Behaviour::kOnTime;
  } else if (StopsPaying(behaviour)) {
    if (InTrouble(due)) {
      QueueLateFee(installment);
      return;
    }
    behaviour = Behaviour::kOnTime;
  }

  switch (behaviour) {
    case Behaviour::kOnTime: {
      if (random.ChancePerMille(450)) {
        // Direct debit on the due date, early in the morning. A few bounce:
        // the bank reverses the posting the next morning and the customer
        // pays again by transfer a few days later, with the penalty.
        const absl::Time debit = At(due, 6, 0);
        QueueRepayment(debit, total, "DIRECT_DEBIT", number);
        const std::string repayment_id = absl::StrCat("RP-", loan_.loan_id, "-", repayments_);
        if (random.ChancePerMille(25)) {
          loan::v1::LoanEvent event;
          loan::v1::RepaymentReversed& reversed = *event.mutable_repayment_reversed();
          reversed.set_reversal_id(absl::StrCat("RV-", loan_.loan_id, "-", repayments_));
          reversed.set_repayment_id(repayment_id);
          reversed.set_reason("INSUFFICIENT_FUNDS");
          const absl::Time at = At(due + 1, 9, 30);
          *reversed.mutable_posted_at() = ToTimestamp(at);
          Queue(at, Kind::kReversal, number, std::move(event));
          ++planned_reversals_;
          const int64_t days_late = random.Uniform(2, 6);
          QueueLateFee(installment);
          const absl::Time again = At(due + days_late, static_cast<int>(random.Uniform(12, 20)),
                                      static_cast<int>(random.Uniform(0, 59)));
          QueueRepayment(again, WithPenalty(total, days_late) + LateFee(installment),
                         "BANK_TRANSFER", number);
          settled_at_[number] = again;
        } else {
          settled_at_[number] = debit;
        }
        return;
      }
      const absl::CivilDay day = std::max(earliest, due - random.Uniform(0, 3));
      const absl::Time at =
          At(day, static_cast<int>(random.Uniform(8, 21)), static_cast<int>(random.Uniform(0, 59)));
      static constexpr const char* kChannels[] = {"BANK_TRANSFER", "CARD", "COUNTER"};
      QueueRepayment(at, total, kChannels[random.Weighted({60, 30, 10})], number);
      settled_at_[number] = at;
      return;
    }
    case Behaviour::kLate: {
      const int64_t days_late = DrawDaysLate(random);
      QueueLateFee(installment);
      const absl::Time at = At(due + days_late, static_cast<int>(random.Uniform(9, 21)),
                               static_cast<int>(random.Uniform(0, 59)));
      QueueRepayment(at, WithPenalty(total, days_late) + LateFee(installment), "BANK_TRANSFER",
                     number);
      settled_at_[number] = at;
      return;
    }
    case Behaviour::kPartial: {
      // Part on the due date (a round sum), the rest weeks later.
      const int64_t first =
          std::max<int64_t>(100, total * random.Uniform(40, 70) / 100 / 1000 * 1000);
      const absl::CivilDay first_day = std::max(earliest, due);
      QueueRepayment(At(first_day, static_cast<int>(random.Uniform(11, 20)),
                        static_cast<int>(random.Uniform(0, 59))),
                     std::min(first, total), "BANK_TRANSFER", number);
      if (first >= total) {
        settled_at_[number] = At(first_day, 23, 0);
        return;
      }
      QueueLateFee(installment);
      const int64_t days_late = random.Uniform(10, 40);
      const absl::Time at = At(due + days_late, static_cast<int>(random.Uniform(9, 21)),
                               static_cast<int>(random.Uniform(0, 59)));
      QueueRepayment(at, WithPenalty(total - first, days_late) + LateFee(installment),
                     "BANK_TRANSFER", number);
      settled_at_[number] = at;
      return;
    }
    case Behaviour::kHardship:
    case Behaviour::kLostContact:
    case Behaviour::kRefusing:
      return;  // handled above
  }
}

void LoanAccount::PlanRefusalPayoff() {
  if (behaviour_ != Behaviour::kRefusing) return;
  EntityRandom random(context_.seed, "refusal-payoff", static_cast<uint64_t>(context_.loan_index));
  // Some refusing customers pay everything months later (after a formal
  // demand or a legal notice).
  if (!random.ChancePerMille(350)) return;
  const absl::CivilDay payday = context_.start + onset_day_ + random.Uniform(45, 100);
  if (payday > LastDay()) return;
  int64_t amount = 0;
  int last = 0;
  for (const InstallmentTerms& installment : schedule_) {
    if (!InTrouble(installment.due_date) || installment.due_date >= payday) continue;
    amount +=
        WithPenalty(installment.total_minor(), time::DaysBetween(installment.due_date, payday)) +
        LateFee(installment);
    last = installment.number;
  }
  if (amount == 0) return;
  const absl::Time at = At(payday, static_cast<int>(random.Uniform(10, 17)), 0);
  QueueRepayment(at, amount, "BANK_TRANSFER", last);
  for (const InstallmentTerms& installment : schedule_) {
    if (installment.number <= last) settled_at_.emplace(installment.number, at);
  }
}

void LoanAccount::PlanClosure() {
  absl::Time last = absl::InfinitePast();
  for (const InstallmentTerms& installment : schedule_) {
    auto settled = settled_at_.find(installment.number);
    if (settled == settled_at_.end()) return;
    last = std::max(last, settled->second);
  }
  if (last > At(LastDay(), 23, 0)) return;
  loan::v1::LoanEvent event;
  loan::v1::LoanClosed& closed = *event.mutable_loan_closed();
  closed.set_reason(loan::v1::LoanClosed::REASON_PAID_OFF);
  const absl::Time at = last + absl::Minutes(30);
  *closed.mutable_closed_on() = ToProto(time::LocalDate(at, context_.zone));
  Queue(at, Kind::kClosed, 0, std::move(event));
}

void LoanAccount::TakeEventsUntil(absl::Time until, std::vector<loan::v1::LoanEvent>* out) {
  size_t taken = 0;
  while (taken < pending_.size() && pending_[taken].at <= until) {
    loan::v1::LoanEvent event = std::move(pending_[taken].event);
    event.set_loan_id(loan_.loan_id);
    event.set_customer_id(loan_.customer_id);
    *event.mutable_occurred_at() = ToTimestamp(pending_[taken].at);
    event.set_loan_sequence(next_sequence_++);
    out->push_back(std::move(event));
    ++taken;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(taken));
}

absl::Status LoanAccount::ApplyPlan(const strategy::v1::LoanPlanTerms& terms,
                                    const std::string& plan_id, absl::Time now) {
  if (applied_plans_.contains(plan_id)) return absl::OkStatus();
  const std::string& currency = loan_.product->currency;
  int replaces_from = 0;
  std::vector<InstallmentTerms> replacement;
  std::string reason;
  if (terms.has_deferral()) {
    const strategy::v1::Deferral& deferral = terms.deferral();
    if (deferral.installment_numbers().empty()) {
      return absl::InvalidArgumentError("deferral.installment_numbers: empty");
    }
    if (deferral.months() < 1) {
      return absl::InvalidArgumentError("deferral.months: must be >= 1");
    }
    replaces_from = *std::min_element(deferral.installment_numbers().begin(),
                                      deferral.installment_numbers().end());
    for (const InstallmentTerms& installment : schedule_) {
      if (installment.number < replaces_from) continue;
      InstallmentTerms moved = installment;
      moved.due_date = time::AddMonthsClamped(installment.due_date, deferral.months());
      replacement.push_back(moved);
    }
    reason = "DEFERRAL";
  } else if (terms.has_new_schedule()) {
    const auto& planned = terms.new_schedule().installments();
    if (planned.empty()) return absl::InvalidArgumentError("new_schedule.installments: empty");
    // The plan replaces everything not yet paid.
    for (const InstallmentTerms& installment : schedule_) {
      auto settled = settled_at_.find(installment.number);
      if (settled == settled_at_.end() || settled->second > now) {
        replaces_from = installment.number;
        break;
      }
    }
    if (replaces_from == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "loan ", loan_.loan_id, ": every installment is paid; nothing to restructure"));
    }
    int64_t principal_left = 0;
    for (const InstallmentTerms& installment : schedule_) {
      if (installment.number >= replaces_from) principal_left += installment.principal_minor;
    }
    int64_t plan_total = 0;
    for (const auto& p : planned) plan_total += p.amount().amount_minor();
    if (plan_total <= 0) {
      return absl::InvalidArgumentError("new_schedule.installments: amounts sum to 0");
    }
    // The loan system splits each planned amount into principal and the
    // rest (interest) in proportion, the last part taking the remainder.
    int64_t principal_assigned = 0;
    for (int k = 0; k < planned.size(); ++k) {
      absl::StatusOr<absl::CivilDay> due = CivilDayFromProto(
          planned[k].due_date(), absl::StrCat("new_schedule.installments[", k, "].due_date"));
      if (!due.ok()) return due.status();
      if (!replacement.empty() && *due <= replacement.back().due_date) {
        return absl::InvalidArgumentError(absl::StrCat("new_schedule.installments[", k,
                                                       "].due_date: not after the previous one"));
      }
      const int64_t amount = planned[k].amount().amount_minor();
      InstallmentTerms installment;
      installment.number = replaces_from + k;
      installment.due_date = *due;
      int64_t principal =
          k + 1 < planned.size()
              ? static_cast<int64_t>(static_cast<__int128>(principal_left) * amount / plan_total)
              : principal_left - principal_assigned;
      principal = std::clamp<int64_t>(principal, 0, amount);
      installment.principal_minor = principal;
      installment.interest_minor = amount - principal;
      principal_assigned += principal;
      replacement.push_back(installment);
    }
    reason = "HARDSHIP_PLAN";
  } else {
    return absl::InvalidArgumentError("terms: neither deferral nor new_schedule is set");
  }

  // Payments and fees planned for the replaced installments will not happen.
  std::erase_if(pending_, [&](const Pending& p) {
    return ((p.kind == Kind::kRepayment || p.kind == Kind::kFee) &&
            p.installment >= replaces_from) ||
           p.kind == Kind::kClosed;
  });
  for (auto it = settled_at_.begin(); it != settled_at_.end();) {
    it = it->first >= replaces_from ? settled_at_.erase(it) : std::next(it);
  }

  loan::v1::LoanEvent event;
  loan::v1::ScheduleRestructured& restructured = *event.mutable_schedule_restructured();
  restructured.set_restructure_id(
      absl::StrCat("RS-", loan_.loan_id, "-", applied_plans_.size() + 1));
  *restructured.mutable_effective_date() = ToProto(time::LocalDate(now, context_.zone));
  restructured.set_replaces_from_number(replaces_from);
  for (const InstallmentTerms& installment : replacement) {
    *restructured.add_installments() = ToInstallmentProto(installment, currency);
  }
  restructured.set_reason(reason);
  restructured.set_plan_id(plan_id);
  Queue(now, Kind::kRestructure, 0, std::move(event));
  applied_plans_.insert(plan_id);

  std::erase_if(schedule_, [&](const InstallmentTerms& i) { return i.number >= replaces_from; });
  const size_t first_new = schedule_.size();
  schedule_.insert(schedule_.end(), replacement.begin(), replacement.end());
  PlanInstallments(first_new, /*under_plan=*/true);
  PlanClosure();
  return absl::OkStatus();
}

int64_t LoanAccount::OverdueEstimate(absl::Time now) const {
  const absl::CivilDay today = time::LocalDate(now, context_.zone);
  int64_t owed = 0;
  for (const InstallmentTerms& installment : schedule_) {
    if (installment.due_date >= today) continue;
    auto settled = settled_at_.find(installment.number);
    if (settled != settled_at_.end() && settled->second <= now) continue;
    owed += WithPenalty(installment.total_minor(), time::DaysBetween(installment.due_date, today)) +
            LateFee(installment);
  }
  return owed;
}

std::vector<InstallmentTerms> LoanAccount::UnpaidInstallments(absl::Time now) const {
  std::vector<InstallmentTerms> unpaid;
  for (const InstallmentTerms& installment : schedule_) {
    auto settled = settled_at_.find(installment.number);
    if (settled != settled_at_.end() && settled->second <= now) continue;
    unpaid.push_back(installment);
  }
  return unpaid;
}

std::optional<absl::Time> LoanAccount::NextRepaymentAfter(absl::Time now) const {
  for (const Pending& pending : pending_) {
    if (pending.kind == Kind::kRepayment && pending.at > now) return pending.at;
  }
  return std::nullopt;
}

}  // namespace arrears::simulator
