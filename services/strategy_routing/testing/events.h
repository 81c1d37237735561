// Inbound event builders for tests of the service path: delinquency, contact
// and customer events wrapped as the consumer loop hands them over, with
// ce_ids and times that make each distinct and replayable.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_EVENTS_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_EVENTS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "common/time/civil_date.h"
#include "services/strategy_routing/testing/scripted_case.h"
#include "services/strategy_routing/testing/testbed.h"

namespace arrears::strategy::testing {

// 02:00 local on `day`: when a business-day close runs.
inline absl::Time CloseTime(absl::CivilDay day) {
  absl::TimeZone zone;
  absl::LoadTimeZone(kZone, &zone);
  return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 2), zone);
}

inline events::InboundEvent DelinquencyInbound(const delinquency::v1::DelinquencyEvent& event) {
  return Inbound(topics::v1::TOPIC_DELINQUENCY_EVENTS, event.loan_id(), event,
                 absl::StrCat("dlq-", event.loan_id(), "-", event.loan_sequence()),
                 CloseTime(absl::CivilDay(event.snapshot().business_date().year(),
                                          event.snapshot().business_date().month(),
                                          event.snapshot().business_date().day())));
}

inline events::InboundEvent ContactInbound(const contact::v1::ContactEvent& event) {
  return Inbound(topics::v1::TOPIC_CONTACT_EVENTS, event.customer_id(), event,
                 absl::StrCat("contact-", event.attempt_id(), "-", event.outcome()),
                 absl::FromUnixSeconds(event.occurred_at().seconds()));
}

inline events::InboundEvent CustomerInbound(const customer::v1::CustomerEvent& event,
                                            const std::string& ce_id) {
  return Inbound(topics::v1::TOPIC_CUSTOMER_EVENTS, event.customer_id(), event, ce_id,
                 absl::FromUnixSeconds(event.occurred_at().seconds()));
}

// A current loan's pre-due reminder event: moves the business date of its
// time zone without touching any case.
inline delinquency::v1::DelinquencyEvent DueSoonEvent(const std::string& loan_id, int64_t sequence,
                                                      absl::CivilDay day) {
  delinquency::v1::DelinquencyEvent event =
      LoanEvent(loan_id, sequence, day, 0, 0, "clock-" + loan_id);
  event.set_kind(delinquency::v1::DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON);
  return event;
}

// Contact data with a verified home address in `region` and a verified phone.
inline customer::v1::CustomerEvent ContactData(const std::string& customer_id,
                                               const std::string& region,
                                               bool verified_phone = true) {
  customer::v1::CustomerEvent event;
  event.set_customer_id(customer_id);
  event.mutable_occurred_at()->set_seconds(1'774'000'000);
  customer::v1::ContactData* data = event.mutable_contact_data_changed()->mutable_contact_data();
  customer::v1::Phone* phone = data->add_phones();
  phone->set_contact_point_id("phone-1");
  phone->set_verified(verified_phone);
  customer::v1::PostalAddress* address = data->add_addresses();
  address->set_contact_point_id("address-1");
  address->set_type(customer::v1::PostalAddress::TYPE_HOME);
  address->set_region_code(region);
  address->set_time_zone(kZone);
  address->set_verified(true);
  data->set_time_zone(kZone);
  return event;
}

}  // namespace arrears::strategy::testing

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_EVENTS_H_
