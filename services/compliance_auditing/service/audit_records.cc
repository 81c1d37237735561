#include "services/compliance_auditing/service/audit_records.h"

#include <string>
#include <utility>

#include "absl/strings/str_join.h"
#include "arrears/compliance/v1/audit_payloads.pb.h"
#include "common/runtime/pii.h"
#include "services/compliance_auditing/audit/sha256.h"
#include "services/compliance_auditing/service/decision_event_bytes.h"

namespace arrears::compliance::service {
namespace {

using audit::AuditAppend;

// A record whose clear payload is `payload`, a serialized `Message`.
template <typename Message>
AuditAppend RecordOfBytes(v1::AuditRecordKind kind, absl::string_view customer_id,
                          absl::string_view source_id, std::string payload) {
  AuditAppend append;
  append.record.set_kind(kind);
  append.record.set_customer_id(std::string(customer_id));
  append.record.set_source_id(std::string(source_id));
  append.record.set_payload_type(std::string(Message::descriptor()->full_name()));
  *append.record.mutable_payload() = std::move(payload);
  return append;
}

template <typename Message>
AuditAppend Record(v1::AuditRecordKind kind, absl::string_view customer_id,
                   absl::string_view source_id, const Message& clear) {
  return RecordOfBytes<Message>(kind, customer_id, source_id, clear.SerializeAsString());
}

template <typename Ids>
void AddLoans(AuditAppend& append, const Ids& loan_ids) {
  for (const std::string& loan_id : loan_ids) {
    bool seen = false;
    for (const std::string& existing : append.record.loan_ids()) seen = seen || existing == loan_id;
    if (!seen && !loan_id.empty()) append.record.add_loan_ids(loan_id);
  }
}

void MaskName(customer::v1::PersonName& name) {
  name.set_full_name(runtime::MaskName(name.full_name()));
  name.set_family_name(runtime::MaskName(name.family_name()));
  name.set_given_name(runtime::MaskName(name.given_name()));
}

void MaskPhones(google::protobuf::RepeatedPtrField<customer::v1::Phone>& phones) {
  for (customer::v1::Phone& phone : phones) phone.set_number(runtime::MaskPhone(phone.number()));
}

void MaskEmails(google::protobuf::RepeatedPtrField<customer::v1::Email>& emails) {
  for (customer::v1::Email& email : emails) email.set_address(runtime::MaskEmail(email.address()));
}

// Street lines and postal code go; locality, region, country and zone stay
// (they decide which rules apply).
void MaskAddresses(google::protobuf::RepeatedPtrField<customer::v1::PostalAddress>& addresses) {
  for (customer::v1::PostalAddress& address : addresses) {
    const std::string lines = absl::StrJoin(address.lines(), ", ");
    address.clear_lines();
    if (!lines.empty()) address.add_lines(runtime::MaskAddress(lines));
    if (!address.postal_code().empty()) address.set_postal_code("***");
  }
}

void MaskRelated(customer::v1::RelatedContact& related) {
  MaskName(*related.mutable_name());
  MaskPhones(*related.mutable_phones());
  MaskEmails(*related.mutable_emails());
  MaskAddresses(*related.mutable_addresses());
}

}  // namespace

void MaskCustomerEvent(customer::v1::CustomerEvent& event) {
  switch (event.event_case()) {
    case customer::v1::CustomerEvent::kContactDataChanged: {
      customer::v1::ContactData& data =
          *event.mutable_contact_data_changed()->mutable_contact_data();
      MaskName(*data.mutable_name());
      MaskPhones(*data.mutable_phones());
      MaskEmails(*data.mutable_emails());
      MaskAddresses(*data.mutable_addresses());
      for (customer::v1::AppAccount& account : *data.mutable_app_accounts()) {
        account.set_account_id(runtime::MaskIdNumber(account.account_id()));
      }
      for (customer::v1::RelatedContact& related : *data.mutable_related_contacts()) {
        MaskRelated(related);
      }
      break;
    }
    case customer::v1::CustomerEvent::kAttorneyRepresentationChanged:
      MaskRelated(*event.mutable_attorney_representation_changed()->mutable_attorney());
      break;
    case customer::v1::CustomerEvent::kBankruptcyNotified:
      event.mutable_bankruptcy_notified()->set_case_number(
          runtime::MaskIdNumber(event.bankruptcy_notified().case_number()));
      break;
    default:
      break;
  }
}

v1::ComplianceDecisionEvent DecisionEvent(const v1::CheckContactRequest& request,
                                          const v1::ContactDecision& decision) {
  v1::ComplianceDecisionEvent event;
  *event.mutable_request() = request;
  event.mutable_request()->mutable_contact_point()->clear_value();
  event.mutable_request()->clear_message_text();
  *event.mutable_decision() = decision;
  return event;
}

AuditAppend DecisionRecord(const v1::CheckContactRequest& request,
                           const v1::ContactDecision& decision) {
  AuditAppend append = RecordOfBytes<v1::ComplianceDecisionEvent>(
      v1::AUDIT_RECORD_KIND_DECISION, request.customer_id(), decision.decision_id(),
      SerializeDecisionEvent(request, decision));
  AddLoans(append, request.debt_ids());
  const bool personal = !request.contact_point().value().empty() || !request.message_text().empty();
  if (personal && !request.customer_id().empty()) {
    // Only what DecisionEvent cleared, sealed on its own: the clear payload
    // followed by these bytes parses as the whole event, and the leaf does
    // not carry the event a second time.
    v1::ComplianceDecisionEvent personal_fields;
    if (!request.contact_point().value().empty()) {
      personal_fields.mutable_request()->mutable_contact_point()->set_value(
          request.contact_point().value());
    }
    if (!request.message_text().empty()) {
      personal_fields.mutable_request()->set_message_text(request.message_text());
    }
    personal_fields.SerializeToString(&append.personal_payload);
    append.record.set_personal_data_completes_payload(true);
  }
  return append;
}

AuditAppend ContactEventRecord(const contact::v1::ContactEvent& event, absl::string_view event_id) {
  contact::v1::ContactEvent clear = event;
  // The topic never carries raw values; should one slip through it is kept
  // encrypted only.
  const bool personal = !event.contact_point().value().empty();
  clear.mutable_contact_point()->clear_value();
  AuditAppend append =
      Record(v1::AUDIT_RECORD_KIND_CONTACT_EVENT, event.customer_id(), event_id, clear);
  AddLoans(append, event.loan_ids());
  if (personal && !event.customer_id().empty()) event.SerializeToString(&append.personal_payload);
  return append;
}

AuditAppend CustomerEventRecord(const customer::v1::CustomerEvent& event,
                                absl::string_view event_id) {
  customer::v1::CustomerEvent masked = event;
  MaskCustomerEvent(masked);
  AuditAppend append =
      Record(v1::AUDIT_RECORD_KIND_CUSTOMER_EVENT, event.customer_id(), event_id, masked);
  if (event.has_attorney_representation_changed()) {
    AddLoans(append, event.attorney_representation_changed().loan_ids());
  }
  if (!event.customer_id().empty()) event.SerializeToString(&append.personal_payload);
  return append;
}

AuditAppend DelinquencyEventRecord(const delinquency::v1::DelinquencyEvent& event,
                                   absl::string_view event_id) {
  AuditAppend append =
      Record(v1::AUDIT_RECORD_KIND_DELINQUENCY_EVENT, event.customer_id(), event_id, event);
  append.record.add_loan_ids(event.loan_id());
  return append;
}

AuditAppend CaseEventRecord(const strategy::v1::CaseEvent& event, absl::string_view event_id) {
  AuditAppend append =
      Record(v1::AUDIT_RECORD_KIND_CASE_EVENT, event.customer_id(), event_id, event);
  for (const strategy::v1::CaseLoan& loan : event.case_snapshot().loans()) {
    AddLoans(append, std::initializer_list<std::string>{loan.loan_id()});
  }
  if (event.has_case_opened()) {
    AddLoans(append, std::initializer_list<std::string>{event.case_opened().loan_id()});
  }
  return append;
}

AuditAppend PreferenceRecord(const v1::Preference& preference) {
  AuditAppend append = Record(v1::AUDIT_RECORD_KIND_PREFERENCE, preference.customer_id(),
                              preference.preference_id(), preference);
  AddLoans(append, preference.debt_ids());
  return append;
}

AuditAppend DisputeRecord(const v1::Dispute& dispute, absl::string_view source_id) {
  AuditAppend append =
      Record(v1::AUDIT_RECORD_KIND_DISPUTE, dispute.customer_id(), source_id, dispute);
  AddLoans(append, dispute.debt_ids());
  return append;
}

AuditAppend ComplaintRecord(const v1::Complaint& complaint, absl::string_view source_id) {
  AuditAppend append =
      Record(v1::AUDIT_RECORD_KIND_COMPLAINT, complaint.customer_id(), source_id, complaint);
  AddLoans(append, complaint.debt_ids());
  return append;
}

AuditAppend ScreeningRecord(const v1::ScreenMessageRequest& request,
                            const v1::ScreenMessageResponse& response) {
  v1::ScreeningAuditPayload payload;
  *payload.mutable_request() = request;
  payload.mutable_request()->clear_text();
  payload.set_text_sha256(audit::Sha256(request.text()).ToHex());
  *payload.mutable_response() = response;
  return Record(v1::AUDIT_RECORD_KIND_SCREENING, "", response.screening_id(), payload);
}

}  // namespace arrears::compliance::service
