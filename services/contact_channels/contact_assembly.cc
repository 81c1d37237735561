#include "services/contact_channels/contact_assembly.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "arrears/contact/v1/contact_service.grpc.pb.h"
#include "common/runtime/logging.h"
#include "common/status/status_macros.h"
#include "common/topics/topics.h"

namespace arrears::contact {

absl::StatusOr<std::unique_ptr<ContactAssembly>> ContactAssembly::Create(
    service::Host& host, const Clock* clock, ContactAssemblyOptions options) {
  if (clock == nullptr) return absl::InvalidArgumentError("ContactAssembly: clock is required");
  auto assembly = std::unique_ptr<ContactAssembly>(new ContactAssembly());
  const runtime::RuntimeConfig& config = host.config();
  ComplianceClient::Options& compliance = options.compliance;
  if (compliance.address.empty() && compliance.address_file.empty()) {
    compliance.address_file = absl::StrCat(config.data_dir, "/compliance-auditing.grpc-address");
  }
  if (compliance.actor.empty()) compliance.actor = config.service_name;
  runtime::LogInfo("compliance service")
      .With("address", compliance.address)
      .With("address_file", compliance.address_file);
  ARREARS_ASSIGN_OR_RETURN(assembly->compliance_client_, ComplianceClient::Create(compliance));

  if (options.channels.data_dir.empty()) options.channels.data_dir = config.data_dir;
  ContactChannels::Peers peers;
  service::Host* raw_host = &host;
  peers.db = &host.database();
  peers.runner = [raw_host](auto body) { return raw_host->InTransaction(body); };
  peers.gate = assembly->compliance_client_.get();
  peers.screener = assembly->compliance_client_.get();
  peers.clock = clock;
  ARREARS_ASSIGN_OR_RETURN(assembly->channels_,
                           ContactChannels::Create(std::move(options.channels), peers));

  ContactChannels& channels = *assembly->channels_;
  const std::string& name = config.service_name;
  ARREARS_RETURN_IF_ERROR(
      host.AddConsumer({.group_id = absl::StrCat(name, ".contact-requests"),
                        .topics = {topics::Spec(topics::v1::TOPIC_CONTACT_REQUESTS).name()},
                        .applier = &channels.contact_request_applier()}));
  ARREARS_RETURN_IF_ERROR(
      host.AddConsumer({.group_id = absl::StrCat(name, ".case-events"),
                        .topics = {topics::Spec(topics::v1::TOPIC_CASE_EVENTS).name()},
                        .applier = &channels.case_event_applier()}));
  ARREARS_RETURN_IF_ERROR(
      host.AddConsumer({.group_id = absl::StrCat(name, ".customer-events"),
                        .topics = {topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name()},
                        .applier = &channels.customer_event_applier()}));
  host.AddGrpcService(runtime::GrpcServiceBinding::Of<v1::ContactService>(&channels.service()));
  return assembly;
}

ContactAssembly::~ContactAssembly() { StopBackground(); }

void ContactAssembly::StartBackground() { channels_->Start(); }

void ContactAssembly::StopBackground() { channels_->Stop(); }

absl::StatusOr<int64_t> ContactAssembly::PendingBackgroundWork() {
  return channels_->worker().Pending();
}

}  // namespace arrears::contact
