// Test helpers: delinquency and contact events for scripted case histories,
// and a driver that runs a case through business days with the decision
// engine (Decide + ApplyDecision), as the service will.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_SCRIPTED_CASE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_SCRIPTED_CASE_H_

#include <string>

#include "absl/time/civil_time.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"

namespace arrears::strategy::testing {

inline constexpr char kZone[] = "Asia/Shanghai";

// A delinquency event for `loan_id` of "cust-1" on `date`: bucket ordinal is
// the M number for dpd (1-30 = 1, 31-60 = 2, ...), 0 when dpd is 0.
inline delinquency::v1::DelinquencyEvent LoanEvent(const std::string& loan_id, int64_t sequence,
                                                   absl::CivilDay date, int dpd,
                                                   int64_t overdue_minor,
                                                   const std::string& customer_id = "cust-1") {
  delinquency::v1::DelinquencyEvent event;
  event.set_loan_id(loan_id);
  event.set_customer_id(customer_id);
  event.set_loan_sequence(sequence);
  event.set_kind(dpd > 0 ? delinquency::v1::DELINQUENCY_EVENT_KIND_CHANGED
                         : delinquency::v1::DELINQUENCY_EVENT_KIND_CURED);
  delinquency::v1::DelinquencySnapshot* s = event.mutable_snapshot();
  s->set_loan_id(loan_id);
  s->set_customer_id(customer_id);
  s->set_product_code("CONSUMER_LOAN");
  s->set_currency_code("CNY");
  s->set_time_zone(kZone);
  *s->mutable_business_date() = ToProto(date);
  s->set_state(dpd > 0 ? delinquency::v1::DELINQUENCY_STATE_DELINQUENT
                       : delinquency::v1::DELINQUENCY_STATE_CURRENT);
  s->set_dpd(dpd);
  const int ordinal = dpd == 0 ? 0 : (dpd - 1) / 30 + 1;
  s->mutable_bucket()->set_ordinal(ordinal);
  s->mutable_bucket()->set_code(ordinal == 0 ? "CURRENT" : "M" + std::to_string(ordinal));
  s->mutable_total_overdue()->set_currency_code("CNY");
  s->mutable_total_overdue()->set_amount_minor(overdue_minor);
  return event;
}

inline contact::v1::ContactEvent Outcome(contact::v1::ContactOutcome outcome, absl::CivilDay date,
                                         const std::string& request_id = "",
                                         const std::string& attempt_id = "attempt-1") {
  contact::v1::ContactEvent event;
  event.set_attempt_id(attempt_id);
  event.set_request_id(request_id);
  event.set_customer_id("cust-1");
  event.set_outcome(outcome);
  event.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  absl::TimeZone zone;
  absl::LoadTimeZone(kZone, &zone);
  *event.mutable_occurred_at() = ToTimestamp(
      absl::FromCivil(absl::CivilSecond(date.year(), date.month(), date.day(), 12), zone));
  return event;
}

}  // namespace arrears::strategy::testing

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_SCRIPTED_CASE_H_
