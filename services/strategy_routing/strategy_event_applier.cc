#include "services/strategy_routing/strategy_event_applier.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/topics/topics.h"

namespace arrears::strategy {
namespace {

template <typename Message>
absl::Status Parse(const events::InboundEvent& inbound, Message* message) {
  if (!message->ParseFromString(inbound.event.payload)) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload: not a valid ", Message::descriptor()->full_name()));
  }
  return absl::OkStatus();
}

absl::Status CheckKey(const events::InboundEvent& inbound, absl::string_view field,
                      const std::string& value) {
  if (inbound.event.key == value) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": \"", value, "\" differs from the record key \"", inbound.event.key, "\""));
}

// Annotates an InvalidArgument from the domain with the event type, keeping
// other codes (retryable store errors) as they are.
absl::Status ForEvent(absl::Status status, absl::string_view type) {
  if (!absl::IsInvalidArgument(status)) return status;
  return Annotate(status, type);
}

}  // namespace

std::vector<std::string> StrategyEventApplier::Topics() {
  return {topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name(),
          topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name(),
          topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name()};
}

absl::Status StrategyEventApplier::Apply(const events::InboundEvent& inbound,
                                         store::Transaction& txn, store::OutboxWriter& outbox) {
  const Cause cause{.id = inbound.event.envelope.id,
                    .time = inbound.event.envelope.time,
                    .traceparent = inbound.event.envelope.traceparent};
  const std::string& topic = inbound.event.topic;
  if (topic == topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name()) {
    delinquency::v1::DelinquencyEvent event;
    if (absl::Status s = Parse(inbound, &event); !s.ok()) return s;
    if (absl::Status s = CheckKey(inbound, "loan_id", event.loan_id()); !s.ok()) return s;
    return ForEvent(manager_->ApplyDelinquencyEvent(txn, outbox, event, cause), "DelinquencyEvent");
  }
  if (topic == topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name()) {
    contact::v1::ContactEvent event;
    if (absl::Status s = Parse(inbound, &event); !s.ok()) return s;
    if (absl::Status s = CheckKey(inbound, "customer_id", event.customer_id()); !s.ok()) return s;
    return ForEvent(manager_->ApplyContactEvent(txn, outbox, event, cause), "ContactEvent");
  }
  if (topic == topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name()) {
    customer::v1::CustomerEvent event;
    if (absl::Status s = Parse(inbound, &event); !s.ok()) return s;
    if (absl::Status s = CheckKey(inbound, "customer_id", event.customer_id()); !s.ok()) return s;
    return ForEvent(manager_->ApplyCustomerEvent(txn, outbox, event, cause), "CustomerEvent");
  }
  return absl::InvalidArgumentError(absl::StrCat("topic: ", topic, " is not consumed here"));
}

}  // namespace arrears::strategy
