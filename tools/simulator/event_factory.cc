#include "tools/simulator/event_factory.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/proto_convert/proto_convert.h"
#include "common/topics/topics.h"

namespace arrears::simulator {

EventFactory::EventFactory(uint64_t seed, std::string loan_source, std::string crm_source)
    : namespace_id_(absl::StrCat("arrears-simulator/", seed)),
      loan_source_(std::move(loan_source)),
      crm_source_(std::move(crm_source)) {}

events::Event EventFactory::FromLoanEvent(const loan::v1::LoanEvent& event) const {
  const absl::Time at = FromTimestamp(event.occurred_at());
  events::Event out;
  out.topic = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name();
  out.key = event.loan_id();
  out.envelope.id = ids::DeriveTimeOrderedId(
      namespace_id_, absl::StrCat(event.loan_id(), "/", event.loan_sequence()), at);
  out.envelope.type = std::string(loan::v1::LoanEvent::descriptor()->full_name());
  out.envelope.source = loan_source_;
  out.envelope.time = at;
  event.SerializeToString(&out.payload);
  return out;
}

events::Event EventFactory::FromCustomerEvent(const customer::v1::CustomerEvent& event,
                                              int64_t customer_sequence) const {
  const absl::Time at = FromTimestamp(event.occurred_at());
  events::Event out;
  out.topic = topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name();
  out.key = event.customer_id();
  out.envelope.id = ids::DeriveTimeOrderedId(
      namespace_id_, absl::StrCat(event.customer_id(), "/customer/", customer_sequence), at);
  out.envelope.type = std::string(customer::v1::CustomerEvent::descriptor()->full_name());
  out.envelope.source = crm_source_;
  out.envelope.time = at;
  event.SerializeToString(&out.payload);
  return out;
}

}  // namespace arrears::simulator
