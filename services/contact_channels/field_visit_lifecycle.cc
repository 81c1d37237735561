#include "services/contact_channels/field_visit_lifecycle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"

namespace arrears::contact {
namespace {

absl::Status WrongState(const v1::FieldVisit& visit, absl::string_view action,
                        absl::string_view needed) {
  return absl::FailedPreconditionError(absl::StrCat(visit.name(), " is ",
                                                    v1::FieldVisit::State_Name(visit.state()), "; ",
                                                    action, " needs ", needed));
}

}  // namespace

std::string FieldVisitName(absl::string_view field_visit_id) {
  return absl::StrCat("fieldVisits/", field_visit_id);
}

std::string FieldVisitIdOf(const ContactRecord& record) {
  const strategy::v1::ContactInstruction& instruction = record.request.contact();
  if (instruction.channel() != common::v1::CHANNEL_FIELD_VISIT) return "";
  if (instruction.has_field_visit() && !instruction.field_visit().field_visit_id().empty()) {
    return instruction.field_visit().field_visit_id();
  }
  return record.attempt_id;
}

v1::FieldVisit PlanFieldVisit(const ContactRecord& record, absl::Time now) {
  const strategy::v1::ContactInstruction& instruction = record.request.contact();
  const strategy::v1::FieldVisitOrder& order = instruction.field_visit();
  v1::FieldVisit visit;
  visit.set_field_visit_id(FieldVisitIdOf(record));
  visit.set_name(FieldVisitName(visit.field_visit_id()));
  visit.set_request_id(record.request.request_id());
  visit.set_attempt_id(record.attempt_id);
  visit.set_customer_id(record.request.customer_id());
  *visit.mutable_loan_ids() = instruction.loan_ids();
  visit.set_state(v1::FieldVisit::STATE_PLANNED);
  visit.mutable_address()->set_contact_point_id(order.address_contact_point_id());
  visit.mutable_address()->set_type(common::v1::CONTACT_POINT_TYPE_POSTAL_ADDRESS);
  if (order.has_visit_date()) *visit.mutable_visit_date() = order.visit_date();
  if (order.has_time_window()) *visit.mutable_time_window() = order.time_window();
  visit.set_time_zone(order.time_zone());
  visit.set_region(order.region());
  *visit.mutable_staff_ids() = order.staff_ids();
  visit.set_agency_id(instruction.agency_id());
  visit.set_recording_on(order.recording_on());
  *visit.mutable_update_time() = ToTimestamp(now);
  return visit;
}

void MarkFieldVisitDispatched(v1::FieldVisit& visit, const ContactRecord& record, absl::Time now) {
  if (visit.state() != v1::FieldVisit::STATE_PLANNED) return;
  *visit.mutable_address() = record.contact_point;
  visit.mutable_address()->clear_value();
  visit.set_decision_id(record.sending_decision.decision_id());
  if (visit.staff_ids_size() >= 2) visit.set_state(v1::FieldVisit::STATE_ASSIGNED);
  *visit.mutable_update_time() = ToTimestamp(now);
}

bool CancelFieldVisit(v1::FieldVisit& visit, absl::string_view reason, absl::Time now) {
  if (visit.state() == v1::FieldVisit::STATE_COMPLETED ||
      visit.state() == v1::FieldVisit::STATE_CANCELLED) {
    return false;
  }
  visit.set_state(v1::FieldVisit::STATE_CANCELLED);
  visit.set_outcome(v1::CONTACT_OUTCOME_CANCELLED);
  visit.set_outcome_reason(std::string(reason));
  *visit.mutable_update_time() = ToTimestamp(now);
  return true;
}

absl::Status CheckInFieldVisit(v1::FieldVisit& visit, const v1::CheckInFieldVisitRequest& request,
                               absl::Time now) {
  if (request.staff_ids_size() < 2) {
    return absl::InvalidArgumentError("staff_ids: at least 2 staff must be present");
  }
  for (const std::string& staff_id : request.staff_ids()) {
    if (std::find(visit.staff_ids().begin(), visit.staff_ids().end(), staff_id) ==
        visit.staff_ids().end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("staff_ids: ", staff_id, " is not assigned to ", visit.name()));
    }
  }
  if (!request.recording_on()) {
    return absl::InvalidArgumentError("recording_on: recording must be on at check-in");
  }
  if (request.has_location()) {
    const v1::GeoPoint& location = request.location();
    if (location.latitude_e7() < -900000000 || location.latitude_e7() > 900000000) {
      return absl::InvalidArgumentError("location.latitude_e7: out of range");
    }
    if (location.longitude_e7() < -1800000000 || location.longitude_e7() > 1800000000) {
      return absl::InvalidArgumentError("location.longitude_e7: out of range");
    }
  }
  if (visit.state() != v1::FieldVisit::STATE_ASSIGNED) {
    return WrongState(visit, "check-in", "ASSIGNED");
  }
  const absl::Time at = request.has_check_in_time() ? FromTimestamp(request.check_in_time()) : now;
  visit.set_state(v1::FieldVisit::STATE_CHECKED_IN);
  *visit.mutable_check_in_time() = ToTimestamp(at);
  if (request.has_location()) *visit.mutable_check_in_location() = request.location();
  *visit.mutable_checked_in_staff_ids() = request.staff_ids();
  visit.set_recording_on(true);
  *visit.mutable_update_time() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::Status CompleteFieldVisit(v1::FieldVisit& visit, const v1::CompleteFieldVisitRequest& request,
                                absl::Time now) {
  if (!IsReportableOutcome(request.outcome())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "outcome: ", v1::ContactOutcome_Name(request.outcome()), " is not an outcome of a visit"));
  }
  if (request.outcome() == v1::CONTACT_OUTCOME_PROMISE_TO_PAY) {
    if (!request.has_promise_to_pay()) {
      return absl::InvalidArgumentError("promise_to_pay: required for PROMISE_TO_PAY");
    }
    ARREARS_RETURN_IF_ERROR(ValidatePromiseToPay(request.promise_to_pay(), "promise_to_pay"));
  } else if (request.has_promise_to_pay()) {
    return absl::InvalidArgumentError("promise_to_pay: only for PROMISE_TO_PAY");
  }
  if (request.premises_entered() && !request.premises_entry_consented()) {
    return absl::InvalidArgumentError(
        "premises_entry_consented: entering the premises needs the occupant's consent");
  }
  if (visit.state() != v1::FieldVisit::STATE_CHECKED_IN) {
    return WrongState(visit, "completion", "CHECKED_IN");
  }
  const absl::Time at = request.has_complete_time() ? FromTimestamp(request.complete_time()) : now;
  visit.set_state(v1::FieldVisit::STATE_COMPLETED);
  *visit.mutable_complete_time() = ToTimestamp(at);
  visit.set_outcome(request.outcome());
  if (request.has_promise_to_pay()) *visit.mutable_promise_to_pay() = request.promise_to_pay();
  visit.set_outcome_reason(request.outcome_reason());
  visit.set_notes(request.notes());
  visit.set_counterparty(request.counterparty());
  visit.set_premises_entered(request.premises_entered());
  visit.set_premises_entry_consented(request.premises_entry_consented());
  visit.set_recording_id(request.recording_id());
  *visit.mutable_update_time() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::Status ValidatePromiseToPay(const v1::PromiseToPay& promise, absl::string_view field) {
  ARREARS_ASSIGN_OR_RETURN(money::Money amount,
                           MoneyFromProto(promise.amount(), absl::StrCat(field, ".amount")));
  if (amount.IsZero() || amount.IsNegative()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".amount: must be positive"));
  }
  ARREARS_RETURN_IF_ERROR(
      CivilDayFromProto(promise.promised_date(), absl::StrCat(field, ".promised_date")).status());
  return absl::OkStatus();
}

bool IsReportableOutcome(v1::ContactOutcome outcome) {
  switch (outcome) {
    case v1::CONTACT_OUTCOME_DELIVERED:
    case v1::CONTACT_OUTCOME_FAILED:
    case v1::CONTACT_OUTCOME_ANSWERED:
    case v1::CONTACT_OUTCOME_NO_ANSWER:
    case v1::CONTACT_OUTCOME_PROMISE_TO_PAY:
    case v1::CONTACT_OUTCOME_REFUSED:
    case v1::CONTACT_OUTCOME_WRONG_PARTY:
    case v1::CONTACT_OUTCOME_DISPUTE:
    case v1::CONTACT_OUTCOME_COMPLAINT:
    case v1::CONTACT_OUTCOME_HARDSHIP_DECLARED:
    case v1::CONTACT_OUTCOME_LOST_CONTACT:
    case v1::CONTACT_OUTCOME_LEFT_MESSAGE:
    case v1::CONTACT_OUTCOME_CALLBACK_REQUESTED:
    case v1::CONTACT_OUTCOME_CLAIMS_PAID:
    case v1::CONTACT_OUTCOME_NOT_FOUND:
      return true;
    default:
      return false;
  }
}

}  // namespace arrears::contact
