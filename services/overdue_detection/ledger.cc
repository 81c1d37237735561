#include "services/overdue_detection/ledger.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace arrears::overdue {
namespace {

using delinquency::v1::REGULATORY_CLASS_NORMAL;

Obligation FromSchedule(const ScheduledInstallment& installment) {
  Obligation o;
  o.kind = ObligationKind::kInstallment;
  o.number = installment.number;
  o.due_date = installment.due_date;
  o.due.principal = installment.principal_minor;
  o.due.interest = installment.interest_minor;
  o.due.fees = installment.fees_minor;
  return o;
}

// Facts of one kind in the order they take effect: by date, then arrival.
template <typename Fact>
std::vector<const Fact*> ByDate(const std::vector<Fact>& facts,
                                absl::CivilDay (*date_of)(const Fact&)) {
  std::vector<const Fact*> ordered;
  ordered.reserve(facts.size());
  for (const Fact& fact : facts) {
    ordered.push_back(&fact);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [&](const Fact* a, const Fact* b) { return date_of(*a) < date_of(*b); });
  return ordered;
}

absl::CivilDay RestructureDate(const RestructureFact& r) { return r.effective_date; }
absl::CivilDay FeeDate(const FeeFact& f) { return f.charge_date; }
absl::CivilDay WaiverDate(const WaiverFact& w) { return w.effective_date; }
absl::CivilDay RepaymentDate(const RepaymentFact& r) { return r.value_date; }

// Walks the rules of ledger.h from one event day to the next. Between two
// event days nothing but penalty accrual and DPD changes, and both are
// linear there, so each gap is handled in one step.
class IntervalLedger {
 public:
  IntervalLedger(const Loan& loan, const ProductConfig& product)
      : loan_(loan),
        product_(product),
        tolerance_(product.tolerance.minor_units()),
        restructures_(ByDate(loan.restructures(), &RestructureDate)),
        fees_(ByDate(loan.fees(), &FeeDate)),
        waivers_(ByDate(loan.waivers(), &WaiverDate)) {
    std::vector<const RepaymentFact*> standing;
    for (const RepaymentFact* r : ByDate(loan.repayments(), &RepaymentDate)) {
      if (!r->reversed()) {
        standing.push_back(r);
      }
    }
    repayments_ = std::move(standing);
    for (const ScheduledInstallment& i : loan.opening_schedule()) {
      live_.push_back(FromSchedule(i));
    }
    std::sort(live_.begin(), live_.end(), ObligationBefore);
  }

  LoanPosition Run(absl::CivilDay as_of) {
    LedgerOutcome outcome;
    outcome.as_of = as_of;
    absl::CivilDay prev = loan_.disbursement_date() - 1;
    for (absl::CivilDay day : EventDays(as_of)) {
      if (loan_.closed_on().has_value() && day == *loan_.closed_on()) {
        // Frozen at the end of the day before the closing.
        RecordGap(prev + 1, day - 1);
        Accrue(prev, day - 1);
        history_.End(day);
        outcome.closed_on = day;
        break;
      }
      RecordGap(prev + 1, day - 1);
      Accrue(prev, day);
      ApplyFactsOf(day);
      Sweep(day);
      UpdatePaidOn(day);
      EndOfDay(day);
      prev = day;
    }
    outcome.obligations = std::move(live_);
    outcome.credit_minor = credit_;
    outcome.charged_off_on = charged_off_on_;
    outcome.delinquent_since = delinquent_since_;
    outcome.history = history_.Take();
    return FinishPosition(product_, std::move(outcome));
  }

 private:
  // Every day on which something other than linear accrual can happen, from
  // the disbursement date to as_of.
  std::vector<absl::CivilDay> EventDays(absl::CivilDay as_of) const {
    std::vector<absl::CivilDay> days;
    const absl::CivilDay first = loan_.disbursement_date();
    if (as_of < first) {
      return days;
    }
    auto add = [&](absl::CivilDay day) {
      if (day >= first && day <= as_of) {
        days.push_back(day);
      }
    };
    auto add_obligation = [&](absl::CivilDay due) {
      add(due);
      add(due + product_.grace_days + 1);
    };
    add(first);
    add(as_of);
    for (const ScheduledInstallment& i : loan_.opening_schedule()) {
      add_obligation(i.due_date);
    }
    for (const RestructureFact* r : restructures_) {
      add(r->effective_date);
      for (const ScheduledInstallment& i : r->installments) {
        add_obligation(i.due_date);
      }
    }
    for (const FeeFact* f : fees_) {
      add(f->charge_date);
      add_obligation(f->due_date);
      add_obligation(f->charge_date);
    }
    for (const WaiverFact* w : waivers_) {
      add(w->effective_date);
    }
    for (const RepaymentFact* r : repayments_) {
      add(r->value_date);
    }
    if (loan_.closed_on().has_value()) {
      add(*loan_.closed_on());
    }
    if (loan_.written_off_on().has_value()) {
      add(*loan_.written_off_on());
    }
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    return days;
  }

  // History (and a charge-off by DPD) for the days strictly between two
  // event days, during which the overdue set stays what it was at `first`-1.
  void RecordGap(absl::CivilDay first, absl::CivilDay last) {
    if (first > last || history_.ended()) {
      return;
    }
    if (!prev_oldest_.has_value()) {
      history_.Record(first, 0, REGULATORY_CLASS_NORMAL);
      return;
    }
    const absl::CivilDay oldest = *prev_oldest_;
    absl::CivilDay history_last = last;
    const absl::CivilDay charge_off_day = oldest + product_.charge_off_dpd;
    if (charge_off_day <= last) {
      charged_off_on_ = charge_off_day;
      history_last = charge_off_day - 1;
    }
    RecordDpdRun(first, history_last, oldest);
    if (charged_off_on_.has_value()) {
      history_.End(*charged_off_on_);
    }
  }

  void RecordDpdRun(absl::CivilDay first, absl::CivilDay last, absl::CivilDay oldest) {
    if (first > last) {
      return;
    }
    const int64_t first_dpd = first - oldest;
    history_.Record(first, product_.BucketOrdinalFor(first_dpd), product_.ClassFor(first_dpd));
    for (int32_t boundary : product_.dpd_boundaries()) {
      const absl::CivilDay day = oldest + boundary;
      if (day > first && day <= last) {
        history_.Record(day, product_.BucketOrdinalFor(boundary), product_.ClassFor(boundary));
      }
    }
  }

  // Penalty for the days prev+1 .. day, from the balances at the end of prev
  // (constant over those days, see ledger.h).
  void Accrue(absl::CivilDay prev, absl::CivilDay day) {
    for (Obligation& o : live_) {
      const absl::CivilDay first = std::max(prev + 1, OverdueFrom(o, product_));
      if (first > day || o.Unpaid() <= tolerance_) {
        continue;
      }
      o.due.penalty += (day - first + 1) * product_.DailyPenaltyMinor(o.UnpaidPrincipal());
    }
  }

  Obligation* FindLive(ObligationKind kind, int32_t number) {
    for (Obligation& o : live_) {
      if (o.kind == kind && o.number == number) {
        return &o;
      }
    }
    return nullptr;
  }

  void ApplyFactsOf(absl::CivilDay day) {
    bool reorder = false;
    for (; next_restructure_ < restructures_.size() &&
           restructures_[next_restructure_]->effective_date == day;
         ++next_restructure_) {
      const RestructureFact& r = *restructures_[next_restructure_];
      auto removed = [&](const Obligation& o) {
        return o.kind == ObligationKind::kInstallment && o.number >= r.replaces_from_number;
      };
      for (auto it = fee_home_.begin(); it != fee_home_.end();) {
        const auto& [kind, number] = it->second;
        if (kind == ObligationKind::kInstallment && number >= r.replaces_from_number) {
          fee_home_.erase(it++);
        } else {
          ++it;
        }
      }
      live_.erase(std::remove_if(live_.begin(), live_.end(), removed), live_.end());
      for (const ScheduledInstallment& i : r.installments) {
        live_.push_back(FromSchedule(i));
      }
      reorder = true;
    }
    for (; next_fee_ < fees_.size() && fees_[next_fee_]->charge_date == day; ++next_fee_) {
      const FeeFact& f = *fees_[next_fee_];
      Obligation* home = f.installment_number > 0
                             ? FindLive(ObligationKind::kInstallment, f.installment_number)
                             : nullptr;
      if (home != nullptr) {
        home->due.fees += f.amount_minor;
        fee_home_[f.fee_id] = {home->kind, home->number};
        continue;
      }
      Obligation fee;
      fee.kind = ObligationKind::kStandaloneFee;
      fee.number = FeePosition(f);
      fee.due_date = f.installment_number > 0 ? f.charge_date : f.due_date;
      fee.due.fees = f.amount_minor;
      fee_home_[f.fee_id] = {fee.kind, fee.number};
      live_.push_back(fee);
      reorder = true;
    }
    if (reorder) {
      std::sort(live_.begin(), live_.end(), ObligationBefore);
    }
    for (; next_waiver_ < waivers_.size() && waivers_[next_waiver_]->effective_date == day;
         ++next_waiver_) {
      const WaiverFact& w = *waivers_[next_waiver_];
      auto home = fee_home_.find(w.fee_id);
      if (home == fee_home_.end()) {
        continue;
      }
      Obligation* o = FindLive(home->second.first, home->second.second);
      if (o == nullptr) {
        continue;
      }
      o->due.fees -= w.amount_minor;
      if (o->paid.fees > o->due.fees) {
        credit_ += o->paid.fees - o->due.fees;
        o->paid.fees = o->due.fees;
      }
    }
    for (; next_repayment_ < repayments_.size() && repayments_[next_repayment_]->value_date == day;
         ++next_repayment_) {
      credit_ += repayments_[next_repayment_]->amount_minor;
    }
  }

  int32_t FeePosition(const FeeFact& fee) const {
    return static_cast<int32_t>(&fee - loan_.fees().data()) + 1;
  }

  void Sweep(absl::CivilDay day) {
    for (Obligation& o : live_) {
      if (credit_ == 0 || o.due_date > day) {
        break;
      }
      for (AllocationComponent c : product_.allocation_order) {
        const int64_t take = std::min(credit_, o.due.at(c) - o.paid.at(c));
        o.paid.at(c) += take;
        credit_ -= take;
      }
    }
  }

  void UpdatePaidOn(absl::CivilDay day) {
    for (Obligation& o : live_) {
      if (o.due_date > day) {
        continue;
      }
      if (o.Unpaid() == 0) {
        if (!o.paid_on.has_value()) {
          o.paid_on = day;
        }
      } else {
        o.paid_on.reset();
      }
    }
  }

  void EndOfDay(absl::CivilDay day) {
    const absl::optional<absl::CivilDay> oldest = OldestOverdueDueDate(live_, day, product_);
    if (!charged_off_on_.has_value()) {
      if ((loan_.written_off_on().has_value() && *loan_.written_off_on() == day) ||
          (oldest.has_value() && day - *oldest >= product_.charge_off_dpd)) {
        charged_off_on_ = day;
      }
    }
    if (!oldest.has_value()) {
      delinquent_since_.reset();
    } else if (!prev_oldest_.has_value()) {
      delinquent_since_ = day;
    }
    if (charged_off_on_ == day) {
      history_.End(day);
    } else {
      const int64_t dpd = oldest.has_value() ? day - *oldest : 0;
      history_.Record(day, product_.BucketOrdinalFor(dpd), product_.ClassFor(dpd));
    }
    prev_oldest_ = oldest;
  }

  const Loan& loan_;
  const ProductConfig& product_;
  const int64_t tolerance_;
  const std::vector<const RestructureFact*> restructures_;
  const std::vector<const FeeFact*> fees_;
  const std::vector<const WaiverFact*> waivers_;
  std::vector<const RepaymentFact*> repayments_;
  size_t next_restructure_ = 0;
  size_t next_fee_ = 0;
  size_t next_waiver_ = 0;
  size_t next_repayment_ = 0;

  std::vector<Obligation> live_;  // ObligationBefore order
  // Where each fee's amount lives: (kind, number) of its obligation. Fees of
  // installments removed by a restructuring are dropped from here.
  absl::flat_hash_map<std::string, std::pair<ObligationKind, int32_t>> fee_home_;
  int64_t credit_ = 0;
  absl::optional<absl::CivilDay> charged_off_on_;
  absl::optional<absl::CivilDay> delinquent_since_;
  absl::optional<absl::CivilDay> prev_oldest_;
  HistoryRecorder history_;
};

}  // namespace

LoanPosition ComputePosition(const Loan& loan, const ProductConfig& product, absl::CivilDay as_of) {
  return IntervalLedger(loan, product).Run(as_of);
}

absl::optional<absl::CivilDay> NextBoundary(const Loan& loan, const ProductConfig& product,
                                            const LoanPosition& position, bool notice_days) {
  if (position.closed_on.has_value()) {
    return absl::nullopt;
  }
  const absl::CivilDay as_of = position.as_of;
  absl::optional<absl::CivilDay> best;
  auto consider = [&](absl::CivilDay day) {
    if (day > as_of && (!best.has_value() || day < *best)) {
      best = day;
    }
  };
  consider(loan.disbursement_date());
  for (const RepaymentFact& r : loan.repayments()) {
    if (!r.reversed()) {
      consider(r.value_date);
    }
  }
  for (const RestructureFact& r : loan.restructures()) {
    consider(r.effective_date);
  }
  for (const FeeFact& f : loan.fees()) {
    consider(f.charge_date);
  }
  for (const WaiverFact& w : loan.waivers()) {
    consider(w.effective_date);
  }
  if (loan.closed_on().has_value()) {
    consider(*loan.closed_on());
  }
  if (loan.written_off_on().has_value()) {
    consider(*loan.written_off_on());
  }
  if (position.state == delinquency::v1::DELINQUENCY_STATE_CHARGED_OFF) {
    return best;
  }

  const int64_t tolerance = product.tolerance.minor_units();
  for (const Obligation& o : position.obligations) {
    if (o.Unpaid() > tolerance) {
      consider(OverdueFrom(o, product));
    }
    // Credit settles an obligation on its due date.
    if (position.credit_minor > 0) {
      consider(o.due_date);
    }
    if (notice_days && o.kind == ObligationKind::kInstallment && o.Unpaid() > 0) {
      for (int32_t days : product.pre_due_notice_days) {
        consider(o.due_date - days);
      }
    }
  }
  if (position.oldest_overdue_due_date.has_value()) {
    for (int32_t boundary : product.dpd_boundaries()) {
      consider(*position.oldest_overdue_due_date + boundary);
    }
  }
  return best;
}

}  // namespace arrears::overdue
