#include "services/compliance_auditing/service/event_applier.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "common/ids/id_generator.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/topics/topics.h"
#include "services/compliance_auditing/policy/history_convert.h"
#include "services/compliance_auditing/service/audit_records.h"
#include "services/compliance_auditing/service/field_checks.h"

namespace arrears::compliance::service {
namespace {

// A notified stage of the proceedings; an unstated one may be a stay (fail
// closed).
policy::BankruptcyState BankruptcyStateOf(customer::v1::BankruptcyNotified::Status status) {
  switch (status) {
    case customer::v1::BankruptcyNotified::STATUS_FILED:
      return policy::BankruptcyState::kFiled;
    case customer::v1::BankruptcyNotified::STATUS_DISCHARGED:
    case customer::v1::BankruptcyNotified::STATUS_DISMISSED:
      return policy::BankruptcyState::kNone;
    default:
      return policy::BankruptcyState::kUnknown;
  }
}

using contact::v1::ContactEvent;
using contact::v1::ContactOutcome;

// Preferences from customer events are replaced as a whole on each consent
// change; the API's are kept until revoked.
constexpr absl::string_view kConsentSource = "consents";

template <typename Message>
absl::StatusOr<Message> ParsePayload(const events::Event& event) {
  Message message;
  if (!message.ParseFromString(event.payload)) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload: not a valid ", Message::descriptor()->full_name()));
  }
  return message;
}

absl::Status CheckKey(absl::string_view field, absl::string_view value, absl::string_view key) {
  ARREARS_RETURN_IF_ERROR(CheckId(field, value));
  if (value != key) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": differs from the record key"));
  }
  return absl::OkStatus();
}

// Outcomes that are not something happening to a person.
bool IsNonContact(ContactOutcome outcome) {
  switch (outcome) {
    case contact::v1::CONTACT_OUTCOME_UNSPECIFIED:
    case contact::v1::CONTACT_OUTCOME_BLOCKED:
    case contact::v1::CONTACT_OUTCOME_DEFERRED:
    case contact::v1::CONTACT_OUTCOME_CANCELLED:
    case contact::v1::CONTACT_OUTCOME_FAILED:
    case contact::v1::CONTACT_OUTCOME_SCHEDULED:
    case contact::v1::CONTACT_OUTCOME_RECALLED:
      return true;
    default:
      return false;
  }
}

// The third party was communicated with (a message sent to them counts: the
// conservative reading of "contacted").
bool ReachedCounterparty(const ContactEvent& event) {
  if (event.connected() || event.conversation()) return true;
  if (IsNonContact(event.outcome())) return false;
  return event.outcome() != contact::v1::CONTACT_OUTCOME_NO_ANSWER &&
         event.outcome() != contact::v1::CONTACT_OUTCOME_NOT_FOUND;
}

absl::Status CheckContactEvent(const ContactEvent& event, absl::string_view key) {
  ARREARS_RETURN_IF_ERROR(CheckKey("customer_id", event.customer_id(), key));
  ARREARS_RETURN_IF_ERROR(CheckId("attempt_id", event.attempt_id()));
  ARREARS_RETURN_IF_ERROR(CheckIds("loan_ids", event.loan_ids()));
  ARREARS_RETURN_IF_ERROR(
      CheckId("contact_point.contact_point_id", event.contact_point().contact_point_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("related_contact_id", event.related_contact_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("agency_id", event.agency_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("field_visit_id", event.field_visit_id(), false));
  if (!event.has_occurred_at()) return absl::InvalidArgumentError("occurred_at: required");
  if (event.outcome() == contact::v1::CONTACT_OUTCOME_UNSPECIFIED) {
    return absl::InvalidArgumentError("outcome: required");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ComplianceEventApplier::Apply(const events::InboundEvent& inbound,
                                           store::Transaction& txn, store::OutboxWriter&) {
  const events::Event& event = inbound.event;
  if (event.topic == topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name()) {
    return ApplyContactEvent(event, txn);
  }
  if (event.topic == topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name()) {
    return ApplyCustomerEvent(event, txn);
  }
  if (event.topic == topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name()) {
    return ApplyDelinquencyEvent(event, txn);
  }
  if (event.topic == topics::Spec(topics::v1::TOPIC_CASE_EVENTS).name()) {
    return ApplyCaseEvent(event, txn);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("topic: ", event.topic, " is not consumed by compliance auditing"));
}

absl::Status ComplianceEventApplier::ApplyContactEvent(const events::Event& raw,
                                                       store::Transaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(const ContactEvent event, ParsePayload<ContactEvent>(raw));
  ARREARS_RETURN_IF_ERROR(CheckContactEvent(event, raw.key));
  const std::string& customer = event.customer_id();
  const absl::Time at = FromTimestamp(event.occurred_at());
  const bool outbound = event.direction() != contact::v1::CONTACT_DIRECTION_INBOUND;
  const bool third_party = event.counterparty() == common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY &&
                           !event.related_contact_id().empty();

  if (outbound) {
    if (std::optional<policy::CallRecord> call = policy::CallRecordFromEvent(event)) {
      ARREARS_ASSIGN_OR_RETURN(
          call->with_prior_consent,
          history_->HasPriorConsent(txn, customer, event.channel(),
                                    event.contact_point().contact_point_id(), at));
      ARREARS_RETURN_IF_ERROR(history_->RecordCall(txn, customer, event.attempt_id(), *call));
    }
    if (event.channel() == common::v1::CHANNEL_FIELD_VISIT && !IsNonContact(event.outcome())) {
      const std::string& visit_id =
          event.field_visit_id().empty() ? event.attempt_id() : event.field_visit_id();
      ARREARS_RETURN_IF_ERROR(history_->RecordFieldVisit(txn, customer, visit_id, at));
    }
    if (third_party && ReachedCounterparty(event)) {
      ARREARS_RETURN_IF_ERROR(history_->RecordThirdPartyContact(
          txn, customer, event.related_contact_id(), event.attempt_id()));
    }
  }
  if (third_party && event.outcome() == contact::v1::CONTACT_OUTCOME_REFUSED) {
    ARREARS_RETURN_IF_ERROR(
        history_->RecordThirdPartyRefusal(txn, customer, event.related_contact_id()));
  }
  if (event.outcome() == contact::v1::CONTACT_OUTCOME_LOST_CONTACT) {
    ARREARS_RETURN_IF_ERROR(
        history_->SetFlag(txn, customer, history::CustomerFlag::kLostContact, true));
  } else if (event.counterparty() == common::v1::COUNTERPARTY_DEBTOR &&
             (event.connected() || event.conversation())) {
    ARREARS_RETURN_IF_ERROR(
        history_->SetFlag(txn, customer, history::CustomerFlag::kLostContact, false));
  }

  ARREARS_RETURN_IF_ERROR(audit_->Append(txn, ContactEventRecord(event, raw.envelope.id)).status());

  if (event.outcome() == contact::v1::CONTACT_OUTCOME_DISPUTE && event.loan_ids_size() > 0) {
    v1::Dispute dispute;
    dispute.set_dispute_id(ids::DeriveId(event.attempt_id(), "dispute"));
    dispute.set_customer_id(customer);
    *dispute.mutable_debt_ids() = event.loan_ids();
    dispute.set_dispute_type(event.outcome_reason());
    // The validation period is not known from the event: assume it, so a
    // pack that only honours disputes within it still pauses collection.
    dispute.set_within_validation_period(true);
    dispute.set_received_via(event.channel());
    *dispute.mutable_receive_time() = event.occurred_at();
    dispute.set_registered_by(absl::StrCat("contact-event:", raw.envelope.id));
    ARREARS_RETURN_IF_ERROR(
        grievances_->OpenDispute(txn, std::move(dispute), raw.envelope.id).status());
  }
  if (event.outcome() == contact::v1::CONTACT_OUTCOME_COMPLAINT) {
    v1::Complaint complaint;
    complaint.set_complaint_id(ids::DeriveId(event.attempt_id(), "complaint"));
    complaint.set_customer_id(customer);
    *complaint.mutable_debt_ids() = event.loan_ids();
    complaint.set_category(event.outcome_reason().empty() ? "UNSPECIFIED" : event.outcome_reason());
    complaint.set_complainant(event.counterparty());
    complaint.set_received_via(event.channel());
    *complaint.mutable_receive_time() = event.occurred_at();
    complaint.set_agency_id(event.agency_id());
    *complaint.mutable_staff_ids() = event.staff_ids();
    complaint.add_attempt_ids(event.attempt_id());
    complaint.set_registered_by(absl::StrCat("contact-event:", raw.envelope.id));
    ARREARS_RETURN_IF_ERROR(
        grievances_->OpenComplaint(txn, std::move(complaint), raw.envelope.id, at).status());
  }
  if (event.outcome() == contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY) {
    ARREARS_RETURN_IF_ERROR(history_->PutPromise(txn, customer, event.attempt_id(), "PROMISED",
                                                 event.promise_to_pay().SerializeAsString()));
  }
  return absl::OkStatus();
}

absl::Status ComplianceEventApplier::ApplyCustomerEvent(const events::Event& raw,
                                                        store::Transaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(const customer::v1::CustomerEvent event,
                           ParsePayload<customer::v1::CustomerEvent>(raw));
  ARREARS_RETURN_IF_ERROR(CheckKey("customer_id", event.customer_id(), raw.key));
  const std::string& customer = event.customer_id();
  switch (event.event_case()) {
    case customer::v1::CustomerEvent::kContactDataChanged: {
      const customer::v1::ContactData& data = event.contact_data_changed().contact_data();
      history::CustomerProfile profile;
      profile.residence_jurisdiction = data.residence_jurisdiction();
      const auto add_zone = [&](const std::string& zone) {
        if (zone.empty()) return;
        for (const std::string& known : profile.time_zones) {
          if (known == zone) return;
        }
        profile.time_zones.push_back(zone);
      };
      add_zone(data.time_zone());
      for (const customer::v1::PostalAddress& address : data.addresses()) {
        add_zone(address.time_zone());
      }
      for (const customer::v1::Email& email : data.emails()) {
        if (email.type() == customer::v1::Email::TYPE_EMPLOYER) {
          profile.employer_email_points.push_back(email.contact_point_id());
        }
      }
      ARREARS_RETURN_IF_ERROR(history_->PutProfile(txn, customer, profile));
      break;
    }
    case customer::v1::CustomerEvent::kConsentChanged: {
      absl::StatusOr<std::vector<v1::Preference>> preferences =
          policy::PreferencesFromConsents(customer, event.consent_changed().consents());
      if (!preferences.ok()) return Annotate(preferences.status(), "consent_changed.consents");
      ARREARS_RETURN_IF_ERROR(
          history_->ReplacePreferences(txn, customer, kConsentSource, *preferences));
      break;
    }
    case customer::v1::CustomerEvent::kAttorneyRepresentationChanged:
      ARREARS_RETURN_IF_ERROR(
          history_->SetFlag(txn, customer, history::CustomerFlag::kAttorney,
                            event.attorney_representation_changed().represented()));
      break;
    case customer::v1::CustomerEvent::kDeceasedNotified:
      ARREARS_RETURN_IF_ERROR(
          history_->SetFlag(txn, customer, history::CustomerFlag::kDeceased, true));
      break;
    case customer::v1::CustomerEvent::kBankruptcyNotified:
      ARREARS_RETURN_IF_ERROR(history_->SetBankruptcy(
          txn, customer, BankruptcyStateOf(event.bankruptcy_notified().status())));
      break;
    case customer::v1::CustomerEvent::EVENT_NOT_SET:
      return absl::InvalidArgumentError("event: exactly one member must be set");
  }
  return audit_->Append(txn, CustomerEventRecord(event, raw.envelope.id)).status();
}

absl::Status ComplianceEventApplier::ApplyDelinquencyEvent(const events::Event& raw,
                                                           store::Transaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(const delinquency::v1::DelinquencyEvent event,
                           ParsePayload<delinquency::v1::DelinquencyEvent>(raw));
  ARREARS_RETURN_IF_ERROR(CheckKey("loan_id", event.loan_id(), raw.key));
  ARREARS_RETURN_IF_ERROR(CheckId("customer_id", event.customer_id()));
  history::DebtStatus status;
  status.debt_id = event.loan_id();
  status.customer_id = event.customer_id();
  status.sequence = event.loan_sequence();
  status.state = event.snapshot().state();
  if (event.snapshot().has_oldest_overdue_due_date()) {
    ARREARS_ASSIGN_OR_RETURN(status.oldest_overdue_due_date,
                             CivilDayFromProto(event.snapshot().oldest_overdue_due_date(),
                                               "snapshot.oldest_overdue_due_date"));
  }
  ARREARS_RETURN_IF_ERROR(history_->PutDebtStatus(txn, status));
  return audit_->Append(txn, DelinquencyEventRecord(event, raw.envelope.id)).status();
}

absl::Status ComplianceEventApplier::ApplyCaseEvent(const events::Event& raw,
                                                    store::Transaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(const strategy::v1::CaseEvent event,
                           ParsePayload<strategy::v1::CaseEvent>(raw));
  ARREARS_RETURN_IF_ERROR(CheckKey("customer_id", event.customer_id(), raw.key));
  ARREARS_RETURN_IF_ERROR(CheckId("case_id", event.case_id()));
  const strategy::v1::Promise* promise = nullptr;
  absl::string_view state;
  if (event.has_promise_recorded()) {
    promise = &event.promise_recorded().promise();
    state = "RECORDED";
  } else if (event.has_promise_kept()) {
    promise = &event.promise_kept().promise();
    state = "KEPT";
  } else if (event.has_promise_broken()) {
    promise = &event.promise_broken().promise();
    state = "BROKEN";
  }
  if (promise != nullptr) {
    ARREARS_RETURN_IF_ERROR(CheckId("promise.promise_id", promise->promise_id()));
    ARREARS_RETURN_IF_ERROR(history_->PutPromise(txn, event.customer_id(), promise->promise_id(),
                                                 state, promise->SerializeAsString()));
  }
  return audit_->Append(txn, CaseEventRecord(event, raw.envelope.id)).status();
}

}  // namespace arrears::compliance::service
