#include "services/overdue_detection/reference_model.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/overdue_detection/snapshot.h"

namespace arrears::overdue {
namespace {

using delinquency::v1::RegulatoryClass;

struct FeeHome {
  ObligationKind kind;
  int32_t number;
};

// One loan replayed day by day; every step is the literal rule of ledger.h.
class DailyReplay {
 public:
  DailyReplay(const Loan& loan, const ProductConfig& product) : loan_(loan), product_(product) {
    for (const ScheduledInstallment& i : loan.opening_schedule()) {
      AddInstallment(i);
    }
  }

  LoanPosition Run(absl::CivilDay as_of) {
    LedgerOutcome outcome;
    outcome.as_of = as_of;
    for (absl::CivilDay day = loan_.disbursement_date(); day <= as_of; ++day) {
      if (loan_.closed_on() == day) {
        outcome.closed_on = day;
        history_.End(day);
        break;
      }
      AccrueOneDay(day);
      ApplyRestructures(day);
      ApplyFees(day);
      ApplyWaivers(day);
      for (const RepaymentFact& r : loan_.repayments()) {
        if (!r.reversed() && r.value_date == day) {
          credit_ += r.amount_minor;
        }
      }
      PayDueObligations(day);
      MarkPaid(day);
      CloseDay(day);
    }
    outcome.obligations = obligations_;
    outcome.credit_minor = credit_;
    outcome.charged_off_on = charged_off_on_;
    outcome.delinquent_since = delinquent_since_;
    outcome.history = history_.Take();
    return FinishPosition(product_, std::move(outcome));
  }

 private:
  void AddInstallment(const ScheduledInstallment& i) {
    Obligation o;
    o.kind = ObligationKind::kInstallment;
    o.number = i.number;
    o.due_date = i.due_date;
    o.due.principal = i.principal_minor;
    o.due.interest = i.interest_minor;
    o.due.fees = i.fees_minor;
    obligations_.push_back(o);
  }

  Obligation* Find(ObligationKind kind, int32_t number) {
    for (Obligation& o : obligations_) {
      if (o.kind == kind && o.number == number) {
        return &o;
      }
    }
    return nullptr;
  }

  void AccrueOneDay(absl::CivilDay day) {
    for (Obligation& o : obligations_) {
      const bool past_grace = day - o.due_date > product_.grace_days;
      if (past_grace && o.Unpaid() > product_.tolerance.minor_units()) {
        o.due.penalty += product_.DailyPenaltyMinor(o.due.principal - o.paid.principal);
      }
    }
  }

  void ApplyRestructures(absl::CivilDay day) {
    for (const RestructureFact& r : loan_.restructures()) {
      if (r.effective_date != day) {
        continue;
      }
      std::vector<Obligation> kept;
      for (const Obligation& o : obligations_) {
        if (o.kind == ObligationKind::kInstallment && o.number >= r.replaces_from_number) {
          continue;
        }
        kept.push_back(o);
      }
      obligations_ = std::move(kept);
      std::vector<std::string> orphaned;
      for (const auto& [fee_id, home] : fee_homes_) {
        if (home.kind == ObligationKind::kInstallment && home.number >= r.replaces_from_number) {
          orphaned.push_back(fee_id);
        }
      }
      for (const std::string& fee_id : orphaned) {
        fee_homes_.erase(fee_id);
      }
      for (const ScheduledInstallment& i : r.installments) {
        AddInstallment(i);
      }
    }
  }

  void ApplyFees(absl::CivilDay day) {
    for (size_t index = 0; index < loan_.fees().size(); ++index) {
      const FeeFact& f = loan_.fees()[index];
      if (f.charge_date != day) {
        continue;
      }
      if (f.installment_number > 0) {
        if (Obligation* o = Find(ObligationKind::kInstallment, f.installment_number)) {
          o->due.fees += f.amount_minor;
          fee_homes_[f.fee_id] = {ObligationKind::kInstallment, f.installment_number};
          continue;
        }
      }
      Obligation o;
      o.kind = ObligationKind::kStandaloneFee;
      o.number = static_cast<int32_t>(index) + 1;
      o.due_date = f.installment_number > 0 ? f.charge_date : f.due_date;
      o.due.fees = f.amount_minor;
      obligations_.push_back(o);
      fee_homes_[f.fee_id] = {o.kind, o.number};
    }
  }

  void ApplyWaivers(absl::CivilDay day) {
    for (const WaiverFact& w : loan_.waivers()) {
      if (w.effective_date != day) {
        continue;
      }
      auto home = fee_homes_.find(w.fee_id);
      if (home == fee_homes_.end()) {
        continue;
      }
      Obligation* o = Find(home->second.kind, home->second.number);
      if (o == nullptr) {
        continue;
      }
      o->due.fees -= w.amount_minor;
      const int64_t excess = o->paid.fees - o->due.fees;
      if (excess > 0) {
        o->paid.fees -= excess;
        credit_ += excess;
      }
    }
  }

  void PayDueObligations(absl::CivilDay day) {
    std::sort(obligations_.begin(), obligations_.end(), ObligationBefore);
    for (Obligation& o : obligations_) {
      if (o.due_date > day) {
        continue;
      }
      for (AllocationComponent component : product_.allocation_order) {
        int64_t& paid = o.paid.at(component);
        const int64_t owed = o.due.at(component) - paid;
        const int64_t pay = owed < credit_ ? owed : credit_;
        paid += pay;
        credit_ -= pay;
      }
    }
  }

  void MarkPaid(absl::CivilDay day) {
    for (Obligation& o : obligations_) {
      if (o.due_date > day) {
        continue;
      }
      if (o.Unpaid() > 0) {
        o.paid_on = absl::nullopt;
      } else if (!o.paid_on.has_value()) {
        o.paid_on = day;
      }
    }
  }

  void CloseDay(absl::CivilDay day) {
    absl::optional<absl::CivilDay> oldest;
    for (const Obligation& o : obligations_) {
      const bool overdue =
          day - o.due_date > product_.grace_days && o.Unpaid() > product_.tolerance.minor_units();
      if (overdue && (!oldest.has_value() || o.due_date < *oldest)) {
        oldest = o.due_date;
      }
    }
    const int64_t dpd = oldest.has_value() ? day - *oldest : 0;
    if (!charged_off_on_.has_value() &&
        (loan_.written_off_on() == day || (oldest.has_value() && dpd >= product_.charge_off_dpd))) {
      charged_off_on_ = day;
    }
    if (oldest.has_value()) {
      if (!delinquent_yesterday_) {
        delinquent_since_ = day;
      }
    } else {
      delinquent_since_ = absl::nullopt;
    }
    delinquent_yesterday_ = oldest.has_value();
    if (charged_off_on_ == day) {
      history_.End(day);
    } else {
      history_.Record(day, product_.BucketOrdinalFor(dpd), product_.ClassFor(dpd));
    }
  }

  const Loan& loan_;
  const ProductConfig& product_;
  std::vector<Obligation> obligations_;
  std::map<std::string, FeeHome> fee_homes_;
  int64_t credit_ = 0;
  absl::optional<absl::CivilDay> charged_off_on_;
  absl::optional<absl::CivilDay> delinquent_since_;
  bool delinquent_yesterday_ = false;
  HistoryRecorder history_;
};

}  // namespace

LoanPosition ReferencePosition(const Loan& loan, const ProductConfig& product,
                               absl::CivilDay as_of) {
  return DailyReplay(loan, product).Run(as_of);
}

ReferenceModel::ReferenceModel(std::shared_ptr<const ProductCatalog> products)
    : products_(std::move(products)) {}

absl::Status ReferenceModel::Apply(const loan::v1::LoanEvent& event) {
  auto it = events_.find(event.loan_id());
  if (event.has_loan_opened()) {
    ARREARS_ASSIGN_OR_RETURN(Loan opened, Loan::Open(event, *products_));
    if (it != events_.end()) {
      ARREARS_ASSIGN_OR_RETURN(Loan existing, Rebuild(event.loan_id()));
      if (!existing.HasSameTerms(opened)) {
        return absl::FailedPreconditionError(
            absl::StrCat("loan_opened: loan ", event.loan_id(), " is already open"));
      }
      return absl::OkStatus();
    }
    events_[event.loan_id()].push_back(event);
    return absl::OkStatus();
  }
  if (it == events_.end()) {
    return absl::FailedPreconditionError(absl::StrCat("loan_id: unknown loan ", event.loan_id()));
  }
  ARREARS_ASSIGN_OR_RETURN(Loan loan, Rebuild(event.loan_id()));
  ARREARS_RETURN_IF_ERROR(loan.Record(event).status());
  it->second.push_back(event);
  return absl::OkStatus();
}

bool ReferenceModel::Knows(absl::string_view loan_id) const {
  return events_.find(loan_id) != events_.end();
}

std::vector<std::string> ReferenceModel::LoanIds() const {
  std::vector<std::string> ids;
  for (const auto& [id, events] : events_) {
    ids.push_back(id);
  }
  return ids;
}

absl::StatusOr<Loan> ReferenceModel::Rebuild(absl::string_view loan_id) const {
  auto it = events_.find(loan_id);
  if (it == events_.end()) {
    return absl::NotFoundError(absl::StrCat("loan_id: unknown loan ", loan_id));
  }
  ARREARS_ASSIGN_OR_RETURN(Loan loan, Loan::Open(it->second.front(), *products_));
  for (size_t i = 1; i < it->second.size(); ++i) {
    ARREARS_RETURN_IF_ERROR(loan.Record(it->second[i]).status());
  }
  return loan;
}

absl::StatusOr<LoanPosition> ReferenceModel::Compute(absl::string_view loan_id,
                                                     absl::CivilDay as_of) const {
  ARREARS_ASSIGN_OR_RETURN(Loan loan, Rebuild(loan_id));
  const ProductConfig* product = products_->Find(loan.product_code());
  if (product == nullptr) {
    return absl::InternalError("product vanished from the catalog");
  }
  return ReferencePosition(loan, *product, as_of);
}

absl::StatusOr<delinquency::v1::DelinquencySnapshot> ReferenceModel::Snapshot(
    absl::string_view loan_id, absl::CivilDay as_of) const {
  ARREARS_ASSIGN_OR_RETURN(Loan loan, Rebuild(loan_id));
  const ProductConfig* product = products_->Find(loan.product_code());
  if (product == nullptr) {
    return absl::InternalError("product vanished from the catalog");
  }
  return BuildSnapshot(loan, *product, ReferencePosition(loan, *product, as_of));
}

}  // namespace arrears::overdue
