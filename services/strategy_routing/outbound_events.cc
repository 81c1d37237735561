#include "services/strategy_routing/outbound_events.h"

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/topics/topics.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace arrears::strategy {
namespace {

events::Event MakeEvent(topics::v1::Topic topic, std::string key, std::string id,
                        const google::protobuf::MessageLite& payload, absl::string_view type,
                        const Cause& cause) {
  events::Event event;
  event.topic = topics::Spec(topic).name();
  event.key = std::move(key);
  event.envelope.id = std::move(id);
  event.envelope.type = std::string(type);
  event.envelope.source = std::string(kEventSource);
  event.envelope.time = cause.time;
  event.envelope.traceparent = cause.traceparent;
  event.payload = SerializeDeterministic(payload);
  return event;
}

}  // namespace

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string CaseEventId(absl::string_view case_id, int64_t case_version, int sequence,
                        absl::Time time) {
  return ids::DeriveTimeOrderedId(case_id, absl::StrCat("case-event/", case_version, "/", sequence),
                                  time);
}

absl::Status EmitContactRequest(store::OutboxWriter& outbox, const v1::ContactRequest& request,
                                const Cause& cause) {
  return outbox.Enqueue(MakeEvent(topics::v1::TOPIC_CONTACT_REQUESTS, request.customer_id(),
                                  request.request_id(), request,
                                  v1::ContactRequest::descriptor()->full_name(), cause));
}

absl::Status EmitCaseEvent(store::OutboxWriter& outbox, const v1::CaseEvent& event, int sequence,
                           const Cause& cause) {
  return outbox.Enqueue(
      MakeEvent(topics::v1::TOPIC_CASE_EVENTS, event.customer_id(),
                CaseEventId(event.case_id(), event.case_version(), sequence, cause.time), event,
                v1::CaseEvent::descriptor()->full_name(), cause));
}

absl::Status EmitPlanEvent(store::OutboxWriter& outbox, const v1::RepaymentPlanEvent& event,
                           const Cause& cause) {
  return outbox.Enqueue(MakeEvent(
      topics::v1::TOPIC_PLAN_EVENTS, event.loan_id(),
      ids::DeriveTimeOrderedId(event.plan_id(),
                               absl::StrCat(event.event_case(), "/", event.loan_id()), cause.time),
      event, v1::RepaymentPlanEvent::descriptor()->full_name(), cause));
}

}  // namespace arrears::strategy
