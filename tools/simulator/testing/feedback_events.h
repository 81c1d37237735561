// Feedback events for the simulator's tests: what the services' topics carry
// back to the simulator (contact outcomes, case and plan events), wrapped as
// its tap hands them over.
#ifndef ARREARS_TOOLS_SIMULATOR_TESTING_FEEDBACK_EVENTS_H_
#define ARREARS_TOOLS_SIMULATOR_TESTING_FEEDBACK_EVENTS_H_

#include <string>

#include "arrears/common/v1/contact.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "common/events/event.h"
#include "common/topics/topics.h"
#include "google/protobuf/message.h"

namespace arrears::simulator::testing {

// `payload` on `topic` with event id `id`.
inline events::Event Wrap(topics::v1::Topic topic, const std::string& id,
                          const google::protobuf::Message& payload) {
  events::Event event;
  event.topic = topics::Spec(topic).name();
  event.envelope.id = id;
  payload.SerializeToString(&event.payload);
  return event;
}

// The debtor answered attempt `attempt_id`: the collector records its outcome.
inline events::Event Answered(const std::string& customer_id, const std::string& attempt_id,
                              common::v1::Channel channel = common::v1::CHANNEL_VOICE_CALL) {
  contact::v1::ContactEvent contact;
  contact.set_attempt_id(attempt_id);
  contact.set_customer_id(customer_id);
  contact.set_channel(channel);
  contact.set_outcome(contact::v1::CONTACT_OUTCOME_ANSWERED);
  contact.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  return Wrap(topics::v1::TOPIC_CONTACT_EVENTS, attempt_id + "/answered", contact);
}

}  // namespace arrears::simulator::testing

#endif  // ARREARS_TOOLS_SIMULATOR_TESTING_FEEDBACK_EVENTS_H_
