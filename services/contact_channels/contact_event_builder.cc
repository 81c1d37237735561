#include "services/contact_channels/contact_event_builder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/proto_convert/proto_convert.h"
#include "services/contact_channels/field_visit_lifecycle.h"

namespace arrears::contact {

v1::ContactEvent BaseContactEvent(const ContactRecord& record, absl::Time now,
                                  v1::ContactOutcome outcome) {
  const strategy::v1::ContactInstruction& instruction = record.request.contact();
  v1::ContactEvent event;
  event.set_attempt_id(record.attempt_id);
  event.set_request_id(record.request.request_id());
  event.set_customer_id(record.request.customer_id());
  *event.mutable_loan_ids() = instruction.loan_ids();
  event.set_channel(instruction.channel());
  common::v1::ContactPoint* point = event.mutable_contact_point();
  *point = record.contact_point;
  point->clear_value();
  if (point->contact_point_id().empty()) {
    point->set_contact_point_id(instruction.has_field_visit()
                                    ? instruction.field_visit().address_contact_point_id()
                                    : instruction.contact_point_id());
  }
  event.set_outcome(outcome);
  event.set_direction(v1::CONTACT_DIRECTION_OUTBOUND);
  event.set_counterparty(instruction.counterparty());
  event.set_purpose(instruction.purpose());
  event.set_agency_id(instruction.agency_id());
  *event.mutable_occurred_at() = ToTimestamp(now);
  event.set_template_id(instruction.template_id());
  event.set_language(instruction.language());
  event.set_related_contact_id(instruction.related_contact_id());
  if (instruction.has_field_visit()) {
    *event.mutable_staff_ids() = instruction.field_visit().staff_ids();
  }
  event.set_field_visit_id(FieldVisitIdOf(record));
  return event;
}

void EmitContactEvent(ContactRecord& record, v1::ContactEvent event, DispatchEffects& effects) {
  ++record.event_sequence;
  event.set_event_id(ids::DeriveTimeOrderedId(record.attempt_id,
                                              absl::StrCat("event-", record.event_sequence),
                                              FromTimestamp(event.occurred_at())));
  effects.events.push_back(std::move(event));
}

}  // namespace arrears::contact
