#include "services/contact_channels/compliance_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_status.h"
#include "common/runtime/grpc_trace.h"
#include "common/runtime/published_file.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace arrears::contact {
namespace {

using compliance::v1::ComplianceService;

// The compliance service is on the path of every contact: reconnect quickly
// once it is back instead of gRPC's default backoff of up to two minutes.
std::shared_ptr<ComplianceService::Stub> NewStub(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return ComplianceService::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments));
}

void PrepareContext(grpc::ClientContext& context, absl::Duration deadline) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  runtime::InjectCurrentTraceContext(&context);
}

}  // namespace

compliance::v1::CheckContactRequest ToCheckContactRequest(const ContactAttemptPlan& plan,
                                                          absl::string_view actor) {
  compliance::v1::CheckContactRequest request;
  request.set_check_id(plan.check_id);
  request.set_customer_id(plan.customer_id);
  for (const std::string& loan_id : plan.loan_ids) request.add_debt_ids(loan_id);
  request.set_channel(plan.channel);
  *request.mutable_contact_point() = plan.contact_point;
  request.set_counterparty(plan.counterparty);
  request.set_related_contact_id(plan.related_contact_id);
  request.set_purpose(plan.purpose);
  *request.mutable_proposed_time() = ToTimestamp(plan.proposed_time);
  request.set_message_text(plan.message_text);
  request.set_template_id(plan.template_id);
  request.set_language(plan.language);
  if (plan.channel == common::v1::CHANNEL_FIELD_VISIT) {
    compliance::v1::FieldVisitDetails* visit = request.mutable_field_visit();
    visit->set_staff_count(plan.field_staff_count);
    visit->set_recording_on(plan.recording_on);
  } else if (plan.channel == common::v1::CHANNEL_VOICE_CALL) {
    request.set_call_recording_on(plan.recording_on);
  }
  request.set_agency_id(plan.agency_id);
  for (const std::string& zone : plan.candidate_time_zones) request.add_candidate_time_zones(zone);
  request.set_attempt_id(plan.attempt_id);
  request.set_request_id(plan.request_id);
  request.set_actor(std::string(actor));
  return request;
}

absl::StatusOr<GateDecision> GateDecisionFromProto(
    const compliance::v1::ContactDecision& decision) {
  std::vector<std::string> reasons(decision.reason_codes().begin(), decision.reason_codes().end());
  GateDecision result;
  switch (decision.verdict()) {
    case compliance::v1::VERDICT_ALLOW:
      result = GateDecision::Allow(decision.decision_id());
      break;
    case compliance::v1::VERDICT_DEFER:
      if (!decision.has_defer_until()) {
        return absl::InternalError(absl::StrCat("compliance decision ", decision.decision_id(),
                                                ": DEFER without defer_until is not an answer"));
      }
      result = GateDecision::Defer(decision.decision_id(), FromTimestamp(decision.defer_until()),
                                   std::move(reasons));
      break;
    case compliance::v1::VERDICT_DENY:
      result = GateDecision::Deny(decision.decision_id(), std::move(reasons));
      break;
    default:
      return absl::InternalError(absl::StrCat("compliance decision ", decision.decision_id(),
                                              ": verdict ", decision.verdict(),
                                              " is not an answer"));
  }
  result.audit_index = decision.audit_index();
  return result;
}

absl::StatusOr<std::unique_ptr<ComplianceClient>> ComplianceClient::Create(Options options) {
  if (options.address.empty() == options.address_file.empty()) {
    return absl::InvalidArgumentError(
        "compliance_address, compliance_address_file: exactly one must be set");
  }
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("compliance_deadline: must be positive");
  }
  auto client = std::unique_ptr<ComplianceClient>(new ComplianceClient(std::move(options)));
  if (!client->options_.address.empty()) {
    absl::MutexLock lock(&client->mu_);
    client->address_ = client->options_.address;
    client->stub_ = NewStub(client->address_);
  }
  return client;
}

std::string ComplianceClient::current_address() const {
  absl::MutexLock lock(&mu_);
  return address_;
}

absl::StatusOr<std::shared_ptr<ComplianceService::Stub>> ComplianceClient::Stub() {
  absl::MutexLock lock(&mu_);
  if (stub_ != nullptr) return stub_;
  absl::StatusOr<std::string> address = runtime::ReadPublishedFile(options_.address_file);
  if (!address.ok()) {
    // Not published yet (or unreadable): no answer, the contact waits.
    return absl::UnavailableError(
        absl::StrCat("compliance_address_file: ", address.status().message()));
  }
  // A fresh channel even for the same address: the old one may sit in a
  // reconnect backoff.
  address_ = *address;
  stub_ = NewStub(address_);
  return stub_;
}

void ComplianceClient::ForgetAddressIfFromFile() {
  if (options_.address_file.empty()) return;
  absl::MutexLock lock(&mu_);
  stub_.reset();
}

absl::StatusOr<GateDecision> ComplianceClient::CheckContact(const ContactAttemptPlan& plan) {
  absl::StatusOr<std::shared_ptr<ComplianceService::Stub>> stub = Stub();
  if (!stub.ok()) return stub.status();
  const compliance::v1::CheckContactRequest request = ToCheckContactRequest(plan, options_.actor);
  compliance::v1::ContactDecision decision;
  grpc::ClientContext context;
  PrepareContext(context, options_.deadline);
  const grpc::Status status = (*stub)->CheckContact(&context, request, &decision);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) ForgetAddressIfFromFile();
    absl::Status error = runtime::FromGrpcStatus(status);
    return absl::Status(error.code(), absl::StrCat("compliance CheckContact: ", error.message()));
  }
  return GateDecisionFromProto(decision);
}

compliance::v1::ScreenMessageRequest ToScreenMessageRequest(const v1::Template& message_template) {
  compliance::v1::ScreenMessageRequest request;
  const std::string& subject = message_template.subject();
  request.set_text(subject.empty() ? message_template.body()
                                   : absl::StrCat(subject, "\n", message_template.body()));
  request.set_language(message_template.language());
  request.set_channel(message_template.channel());
  // A template others may read is screened as if a third party reads it.
  request.set_counterparty(message_template.third_party_readable()
                               ? common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY
                               : common::v1::COUNTERPARTY_DEBTOR);
  request.set_purpose(message_template.purposes().empty() ? common::v1::CONTACT_PURPOSE_COLLECTION
                                                          : message_template.purposes(0));
  request.set_template_id(message_template.template_id());
  return request;
}

absl::StatusOr<ScreeningResult> ComplianceClient::Screen(const v1::Template& message_template) {
  absl::StatusOr<std::shared_ptr<ComplianceService::Stub>> stub = Stub();
  if (!stub.ok()) return stub.status();
  const compliance::v1::ScreenMessageRequest request = ToScreenMessageRequest(message_template);
  compliance::v1::ScreenMessageResponse response;
  grpc::ClientContext context;
  PrepareContext(context, options_.deadline);
  const grpc::Status status = (*stub)->ScreenMessage(&context, request, &response);
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) ForgetAddressIfFromFile();
    absl::Status error = runtime::FromGrpcStatus(status);
    return absl::Status(error.code(), absl::StrCat("compliance ScreenMessage: ", error.message()));
  }
  ScreeningResult result;
  result.passed = response.passed();
  result.screening_id = response.screening_id();
  for (const compliance::v1::ScreeningMatch& match : response.matches()) {
    result.matched_rule_ids.push_back(match.rule_id());
  }
  if (!result.passed && result.matched_rule_ids.empty()) {
    // Failed without a wording match (e.g. a missing opt-out notice).
    result.matched_rule_ids.assign(response.reason_codes().begin(), response.reason_codes().end());
  }
  if (!result.passed) {
    const std::string& subject = message_template.subject();
    const bool in_subject = !response.matches().empty() && !subject.empty() &&
                            response.matches(0).offset() < static_cast<int>(subject.size());
    result.field = in_subject ? "message_template.subject" : "message_template.body";
  }
  return result;
}

}  // namespace arrears::contact
