#include "tools/loadgen/loan_event_stream.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/ids/id_generator.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"
#include "common/topics/topics.h"

namespace arrears::loadgen {
namespace {

constexpr int kInstallments = 12;

struct ProductShape {
  const char* code;
  int64_t min_principal_minor;
  int64_t max_principal_minor;
  int32_t nominal_rate_bp;
};

// Car loans are large, consumer loans medium, card balances small: the mix a
// retail bank's collections book shows.
constexpr ProductShape kProducts[] = {
    {"CAR_LOAN", 60'000'00, 300'000'00, 650},
    {"CONSUMER_LOAN", 5'000'00, 80'000'00, 1200},
    {"CREDIT_CARD", 500'00, 30'000'00, 1800},
};

constexpr const char* kTimeZones[] = {"Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai",
                                      "Asia/Urumqi"};

common::v1::Money Cny(int64_t minor) {
  common::v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency_code("CNY");
  return m;
}

}  // namespace

LoanEventStream::LoanEventStream(LoanEventStreamOptions options)
    : options_(std::move(options)), random_(options_.seed) {}

absl::Time LoanEventStream::EventTime(const LoanEventStreamOptions& options, int64_t sequence) {
  return absl::FromCivil(absl::CivilSecond(options.first_disbursement), absl::UTCTimeZone()) +
         absl::Milliseconds(sequence);
}

std::string LoanEventStream::EventId(const LoanEventStreamOptions& options, int64_t sequence) {
  // Time-ordered, as a loan system's UUIDv7 ids would be.
  return ids::DeriveTimeOrderedId(absl::StrCat("loadgen-", options.seed), absl::StrCat(sequence),
                                  EventTime(options, sequence));
}

std::string LoanEventStream::LoanId(int64_t loan_index) {
  return absl::StrFormat("L%08d", loan_index);
}

loan::v1::LoanEvent LoanEventStream::MakeLoanOpened(int64_t loan_index) {
  const ProductShape& product = kProducts[loan_index % std::size(kProducts)];
  std::uniform_int_distribution<int64_t> principal_dist(product.min_principal_minor,
                                                        product.max_principal_minor);
  // Whole yuan keeps the schedule readable; the remainder goes to the last
  // installment so the schedule sums exactly to the principal.
  const int64_t principal = principal_dist(random_) / 100 * 100;
  const absl::CivilDay disbursed = options_.first_disbursement + loan_index % 28;

  loan::v1::LoanEvent event;
  event.set_loan_id(LoanId(loan_index));
  event.set_customer_id(absl::StrFormat("C%08d", loan_index / 2));  // some customers hold two
  loan::v1::LoanOpened& opened = *event.mutable_loan_opened();
  opened.set_product_code(product.code);
  opened.set_branch_id(absl::StrFormat("BR%03d", loan_index % 40));
  opened.set_currency_code("CNY");
  *opened.mutable_principal() = Cny(principal);
  opened.set_time_zone(kTimeZones[loan_index % std::size(kTimeZones)]);
  *opened.mutable_disbursement_date() = ToProto(disbursed);
  opened.set_booking_jurisdiction("CN");
  opened.set_nominal_rate_bp(product.nominal_rate_bp);
  const int64_t principal_each = principal / kInstallments;
  const int64_t monthly_interest = principal * product.nominal_rate_bp / 10'000 / 12;
  for (int n = 1; n <= kInstallments; ++n) {
    loan::v1::Installment& installment = *opened.add_installments();
    installment.set_number(n);
    *installment.mutable_due_date() = ToProto(time::AddMonthsClamped(disbursed, n));
    const int64_t p =
        n < kInstallments ? principal_each : principal - principal_each * (kInstallments - 1);
    *installment.mutable_principal() = Cny(p);
    *installment.mutable_interest() = Cny(monthly_interest);
    *installment.mutable_fees() = Cny(0);
  }
  return event;
}

loan::v1::LoanEvent LoanEventStream::MakeRepayment(int64_t loan_index) {
  std::uniform_int_distribution<int64_t> amount_dist(100'00, 5'000'00);
  loan::v1::LoanEvent event;
  event.set_loan_id(LoanId(loan_index));
  event.set_customer_id(absl::StrFormat("C%08d", loan_index / 2));
  loan::v1::RepaymentPosted& repayment = *event.mutable_repayment_posted();
  repayment.set_repayment_id(absl::StrCat("R", options_.seed, "-", sequence_));
  *repayment.mutable_amount() = Cny(amount_dist(random_));
  *repayment.mutable_value_date() = ToProto(options_.first_disbursement + 30 + sequence_ % 60);
  repayment.set_payment_channel(sequence_ % 3 == 0 ? "DIRECT_DEBIT" : "BANK_TRANSFER");
  return event;
}

events::Event LoanEventStream::Next() {
  const bool opening = sequence_ < options_.loans;
  loan::v1::LoanEvent payload;
  if (opening) {
    payload = MakeLoanOpened(sequence_);
  } else {
    payload = MakeRepayment(next_repayment_loan_);
    next_repayment_loan_ = (next_repayment_loan_ + 1) % options_.loans;
  }
  const absl::Time at = EventTime(options_, sequence_);
  *payload.mutable_occurred_at() = ToTimestamp(at);

  events::Event event;
  event.topic = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name();
  event.key = payload.loan_id();
  event.envelope.id = EventId(options_, sequence_);
  event.envelope.type = std::string(loan::v1::LoanEvent::descriptor()->full_name());
  event.envelope.source = options_.source;
  event.envelope.time = at;
  payload.SerializeToString(&event.payload);
  ++sequence_;
  return event;
}

}  // namespace arrears::loadgen
