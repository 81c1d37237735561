#include "services/overdue_detection/loan_position.h"

#include <algorithm>
#include <utility>

#include "common/time/civil_date.h"

namespace arrears::overdue {
namespace {

using delinquency::v1::RegulatoryClass;

void RecordValue(std::vector<Period>* periods, absl::CivilDay day, int32_t value) {
  if (!periods->empty()) {
    Period& open = periods->back();
    if (!open.left_on.has_value()) {
      if (open.value == value) {
        return;
      }
      open.left_on = day;
    }
  }
  periods->push_back({value, day, absl::nullopt});
}

void EndPeriods(std::vector<Period>* periods, absl::CivilDay day) {
  if (periods->empty() || periods->back().left_on.has_value()) {
    return;
  }
  if (periods->back().entered_on >= day) {
    periods->pop_back();
    if (!periods->empty()) {
      periods->back().left_on = day;
    }
    return;
  }
  periods->back().left_on = day;
}

absl::optional<int32_t> ValueAt(const std::vector<Period>& periods, absl::CivilDay day) {
  for (const Period& p : periods) {
    if (p.entered_on <= day && (!p.left_on.has_value() || day < *p.left_on)) {
      return p.value;
    }
  }
  return absl::nullopt;
}

void AddChangePoints(const std::vector<Period>& periods, absl::CivilDay from, absl::CivilDay until,
                     std::vector<absl::CivilDay>* points) {
  for (const Period& p : periods) {
    if (p.entered_on >= from && p.entered_on < until) {
      points->push_back(p.entered_on);
    }
    if (p.left_on.has_value() && *p.left_on >= from && *p.left_on < until) {
      points->push_back(*p.left_on);
    }
  }
}

std::string Day(const absl::optional<absl::CivilDay>& day) {
  return day.has_value() ? time::FormatCivilDay(*day) : "-";
}

std::ostream& operator<<(std::ostream& os, const ComponentAmounts& a) {
  return os << "{p=" << a.principal << " i=" << a.interest << " f=" << a.fees
            << " pen=" << a.penalty << "}";
}

}  // namespace

namespace {

// One switch for both constnesses of ComponentAmounts::at().
template <typename Amounts>
auto& ComponentOf(Amounts& amounts, AllocationComponent component) {
  switch (component) {
    case AllocationComponent::kPenalty:
      return amounts.penalty;
    case AllocationComponent::kFees:
      return amounts.fees;
    case AllocationComponent::kInterest:
      return amounts.interest;
    case AllocationComponent::kPrincipal:
      break;
  }
  return amounts.principal;
}

}  // namespace

int64_t& ComponentAmounts::at(AllocationComponent component) {
  return ComponentOf(*this, component);
}

int64_t ComponentAmounts::at(AllocationComponent component) const {
  return ComponentOf(*this, component);
}

bool ObligationBefore(const Obligation& a, const Obligation& b) {
  if (a.due_date != b.due_date) {
    return a.due_date < b.due_date;
  }
  if (a.kind != b.kind) {
    return a.kind < b.kind;
  }
  return a.number < b.number;
}

absl::CivilDay OverdueFrom(const Obligation& obligation, const ProductConfig& product) {
  return obligation.due_date + product.grace_days + 1;
}

bool IsOverdueOn(const Obligation& obligation, absl::CivilDay day, const ProductConfig& product) {
  return day >= OverdueFrom(obligation, product) &&
         obligation.Unpaid() > product.tolerance.minor_units();
}

absl::optional<absl::CivilDay> OldestOverdueDueDate(const std::vector<Obligation>& obligations,
                                                    absl::CivilDay day,
                                                    const ProductConfig& product) {
  absl::optional<absl::CivilDay> oldest;
  for (const Obligation& o : obligations) {
    if (IsOverdueOn(o, day, product) && (!oldest.has_value() || o.due_date < *oldest)) {
      oldest = o.due_date;
    }
  }
  return oldest;
}

void HistoryRecorder::Record(absl::CivilDay day, int32_t bucket_ordinal,
                             RegulatoryClass regulatory_class) {
  if (ended_) {
    return;
  }
  RecordValue(&history_.buckets, day, bucket_ordinal);
  RecordValue(&history_.classes, day, static_cast<int32_t>(regulatory_class));
}

void HistoryRecorder::End(absl::CivilDay day) {
  if (ended_) {
    return;
  }
  EndPeriods(&history_.buckets, day);
  EndPeriods(&history_.classes, day);
  ended_ = true;
}

absl::optional<absl::CivilDay> FirstHistoryDifference(const DelinquencyHistory& a,
                                                      const DelinquencyHistory& b,
                                                      absl::CivilDay from, absl::CivilDay until) {
  if (from >= until) {
    return absl::nullopt;
  }
  // Values only change at period edges, so comparing there is enough.
  std::vector<absl::CivilDay> points = {from};
  for (const DelinquencyHistory* h : {&a, &b}) {
    AddChangePoints(h->buckets, from, until, &points);
    AddChangePoints(h->classes, from, until, &points);
  }
  std::sort(points.begin(), points.end());
  for (absl::CivilDay day : points) {
    if (ValueAt(a.buckets, day) != ValueAt(b.buckets, day) ||
        ValueAt(a.classes, day) != ValueAt(b.classes, day)) {
      return day;
    }
  }
  return absl::nullopt;
}

LoanPosition FinishPosition(const ProductConfig& product, LedgerOutcome outcome) {
  LoanPosition p;
  p.as_of = outcome.as_of;
  p.obligations = std::move(outcome.obligations);
  std::sort(p.obligations.begin(), p.obligations.end(), ObligationBefore);
  p.history = std::move(outcome.history);
  p.charged_off_on = outcome.charged_off_on;
  p.closed_on = outcome.closed_on;
  if (p.closed_on.has_value()) {
    p.state = delinquency::v1::DELINQUENCY_STATE_CLOSED;
    return p;
  }

  for (Obligation& o : p.obligations) {
    o.overdue = IsOverdueOn(o, p.as_of, product);
    if (o.overdue) {
      if (!p.oldest_overdue_due_date.has_value()) {
        p.oldest_overdue_due_date = o.due_date;
      }
      ++p.missed_installment_count;
      p.overdue.principal += o.due.principal - o.paid.principal;
      p.overdue.interest += o.due.interest - o.paid.interest;
      p.overdue.fees += o.due.fees - o.paid.fees;
      p.overdue.penalty += o.due.penalty - o.paid.penalty;
    }
    if (o.due_date <= p.as_of) {
      p.total_outstanding_minor += o.Unpaid();
    } else {
      p.total_outstanding_minor +=
          (o.due.principal - o.paid.principal) + (o.due.fees - o.paid.fees);
      if (o.kind == ObligationKind::kInstallment && !p.next_due_date.has_value()) {
        p.next_due_date = o.due_date;
        p.next_due_amount_minor = o.Unpaid();
      }
    }
  }
  p.credit_minor = outcome.credit_minor;
  if (p.oldest_overdue_due_date.has_value()) {
    p.dpd = static_cast<int32_t>(p.as_of - *p.oldest_overdue_due_date);
    p.delinquent_since = outcome.delinquent_since;
  }
  p.bucket_ordinal = product.BucketOrdinalFor(p.dpd);
  p.regulatory_class = product.ClassFor(p.dpd);
  if (p.charged_off_on.has_value()) {
    p.state = delinquency::v1::DELINQUENCY_STATE_CHARGED_OFF;
    return p;
  }
  p.state = p.oldest_overdue_due_date.has_value() ? delinquency::v1::DELINQUENCY_STATE_DELINQUENT
                                                  : delinquency::v1::DELINQUENCY_STATE_CURRENT;

  const std::vector<int32_t>& notice_days = product.pre_due_notice_days;
  if (notice_days.empty()) {
    return p;
  }
  // Credit is applied to obligations in order as they fall due, so the amount
  // still to pay for a future installment is what the credit will not cover.
  int64_t remaining_credit = p.credit_minor;
  for (const Obligation& o : p.obligations) {
    if (o.due_date < p.as_of) {
      continue;
    }
    int64_t to_pay = o.Unpaid();
    if (o.due_date > p.as_of) {
      const int64_t applied = std::min(remaining_credit, to_pay);
      remaining_credit -= applied;
      to_pay -= applied;
    }
    if (o.kind != ObligationKind::kInstallment || to_pay <= 0) {
      continue;
    }
    const int32_t days = static_cast<int32_t>(o.due_date - p.as_of);
    if (std::binary_search(notice_days.begin(), notice_days.end(), days)) {
      p.notices.push_back({o.number, o.due_date, to_pay, days});
    }
  }
  return p;
}

std::ostream& operator<<(std::ostream& os, const LoanPosition& p) {
  os << "as_of=" << time::FormatCivilDay(p.as_of)
     << " state=" << delinquency::v1::DelinquencyState_Name(p.state) << " dpd=" << p.dpd
     << " bucket=" << p.bucket_ordinal
     << " class=" << delinquency::v1::RegulatoryClass_Name(p.regulatory_class)
     << " oldest=" << Day(p.oldest_overdue_due_date) << " missed=" << p.missed_installment_count
     << " overdue=" << p.overdue << " outstanding=" << p.total_outstanding_minor
     << " credit=" << p.credit_minor << " next_due=" << Day(p.next_due_date) << "/"
     << p.next_due_amount_minor << " since=" << Day(p.delinquent_since)
     << " charged_off=" << Day(p.charged_off_on) << " closed=" << Day(p.closed_on) << "\n";
  for (const Obligation& o : p.obligations) {
    os << "  " << (o.kind == ObligationKind::kInstallment ? "inst " : "fee ") << o.number << " due "
       << time::FormatCivilDay(o.due_date) << " due=" << o.due << " paid=" << o.paid
       << " paid_on=" << Day(o.paid_on) << (o.overdue ? " OVERDUE" : "") << "\n";
  }
  os << "  buckets:";
  for (const Period& b : p.history.buckets) {
    os << " [" << b.value << " " << time::FormatCivilDay(b.entered_on) << ".." << Day(b.left_on)
       << ")";
  }
  os << "\n  classes:";
  for (const Period& c : p.history.classes) {
    os << " [" << c.value << " " << time::FormatCivilDay(c.entered_on) << ".." << Day(c.left_on)
       << ")";
  }
  os << "\n  notices:";
  for (const DueSoonNotice& n : p.notices) {
    os << " #" << n.installment_number << " in " << n.days_until_due << "d " << n.amount_minor;
  }
  return os << "\n";
}

}  // namespace arrears::overdue
