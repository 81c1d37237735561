// Builders of the compliance service's test inputs: consumed events and
// CheckContact requests with sensible defaults. Test-only.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_TESTING_TEST_BUILDERS_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_TESTING_TEST_BUILDERS_H_

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/compliance/v1/compliance_service.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/topics/topics.h"

namespace arrears::compliance::service::testing {

inline std::string ContactTopic() { return topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name(); }
inline std::string CustomerTopic() {
  return topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name();
}
inline std::string DelinquencyTopic() {
  return topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name();
}
inline std::string CaseTopic() { return topics::Spec(topics::v1::TOPIC_CASE_EVENTS).name(); }
inline std::string DecisionTopic() {
  return topics::Spec(topics::v1::TOPIC_COMPLIANCE_DECISIONS).name();
}
inline std::string CheckpointTopic() {
  return topics::Spec(topics::v1::TOPIC_AUDIT_CHECKPOINTS).name();
}

// The instant of a local civil time in `zone`.
inline absl::Time Local(absl::string_view zone, int y, int m, int d, int hh, int mm = 0,
                        int ss = 0) {
  absl::TimeZone tz;
  absl::LoadTimeZone(std::string(zone), &tz);
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), tz);
}

// Contact data: residence `jurisdiction`, zone `zone`, one mobile phone
// "phone-1" (+8613812345678) and a name, both personal data.
inline customer::v1::CustomerEvent ContactData(absl::string_view customer,
                                               absl::string_view jurisdiction,
                                               absl::string_view zone) {
  customer::v1::CustomerEvent event;
  event.set_customer_id(std::string(customer));
  customer::v1::ContactData& data = *event.mutable_contact_data_changed()->mutable_contact_data();
  data.mutable_name()->set_full_name("王小明");
  customer::v1::Phone& phone = *data.add_phones();
  phone.set_contact_point_id("phone-1");
  phone.set_number("+8613812345678");
  phone.set_type(customer::v1::Phone::TYPE_MOBILE);
  data.set_time_zone(std::string(zone));
  data.set_residence_jurisdiction(std::string(jurisdiction));
  return event;
}

// One voice-call event of attempt `attempt` about `loans`.
inline contact::v1::ContactEvent Call(absl::string_view customer, absl::string_view attempt,
                                      absl::Time at, contact::v1::ContactOutcome outcome,
                                      bool connected = false, bool conversation = false,
                                      std::vector<std::string> loans = {"loan-1"},
                                      absl::string_view agency = "") {
  contact::v1::ContactEvent event;
  event.set_attempt_id(std::string(attempt));
  event.set_customer_id(std::string(customer));
  for (std::string& loan : loans) event.add_loan_ids(std::move(loan));
  event.set_channel(common::v1::CHANNEL_VOICE_CALL);
  event.mutable_contact_point()->set_contact_point_id("phone-1");
  event.mutable_contact_point()->set_masked_value("+86 138****5678");
  event.set_outcome(outcome);
  event.set_direction(contact::v1::CONTACT_DIRECTION_OUTBOUND);
  event.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  event.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  event.set_connected(connected);
  event.set_conversation(conversation);
  event.set_agency_id(std::string(agency));
  *event.mutable_occurred_at() = ToTimestamp(at);
  return event;
}

// A recorded collection call to the debtor's "phone-1" about "loan-1".
inline v1::CheckContactRequest CallRequest(absl::string_view customer, absl::Time at,
                                           absl::string_view check_id = "") {
  v1::CheckContactRequest request;
  request.set_check_id(std::string(check_id));
  request.set_customer_id(std::string(customer));
  request.add_debt_ids("loan-1");
  request.set_channel(common::v1::CHANNEL_VOICE_CALL);
  request.mutable_contact_point()->set_contact_point_id("phone-1");
  request.mutable_contact_point()->set_value("+8613812345678");
  request.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  request.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  *request.mutable_proposed_time() = ToTimestamp(at);
  request.set_call_recording_on(true);
  return request;
}

inline bool HasCode(const v1::ContactDecision& decision, absl::string_view code) {
  for (const std::string& c : decision.reason_codes()) {
    if (c == code) return true;
  }
  return false;
}

}  // namespace arrears::compliance::service::testing

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_TESTING_TEST_BUILDERS_H_
