#include "services/compliance_auditing/service/compliance_assembly.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "common/status/status_macros.h"
#include "common/topics/topics.h"

namespace arrears::compliance::service {

absl::StatusOr<std::unique_ptr<ComplianceAssembly>> ComplianceAssembly::Create(
    arrears::service::Host& host, const Clock* clock, ComplianceAssemblyOptions options) {
  if (clock == nullptr) return absl::InvalidArgumentError("ComplianceAssembly: clock is required");
  auto assembly = std::unique_ptr<ComplianceAssembly>(new ComplianceAssembly());
  const runtime::RuntimeConfig& config = host.config();
  ServiceAuditOptions& audit = options.app.audit;
  if (audit.signing_key_path.empty()) {
    audit.signing_key_path = absl::StrCat(config.data_dir, "/audit-signing-key.pem");
  }
  if (audit.master_key_path.empty()) {
    audit.master_key_path = absl::StrCat(config.data_dir, "/audit-master.key");
  }
  if (audit.key_database_path.empty()) {
    audit.key_database_path = absl::StrCat(config.data_dir, "/", config.service_name, "-keys.db");
  }
  arrears::service::Host* raw_host = &host;
  ARREARS_ASSIGN_OR_RETURN(
      assembly->app_,
      ComplianceApp::Create(
          &host.database(),
          [raw_host](
              absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
            return raw_host->InTransaction(body);
          },
          clock, options.app, &host.metrics()));
  ComplianceApp& app = *assembly->app_;
  ARREARS_RETURN_IF_ERROR(
      host.AddConsumer({.group_id = host.config().service_name,
                        .topics = {topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name(),
                                   topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name(),
                                   topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name(),
                                   topics::Spec(topics::v1::TOPIC_CASE_EVENTS).name()},
                        .applier = &app.applier()}));
  host.AddGrpcService(
      runtime::GrpcServiceBinding::Of<compliance::v1::ComplianceService>(&app.grpc_service()));
  ARREARS_RETURN_IF_ERROR(
      host.AddEventFeed({.name = "compliance-decisions", .source = &app.decision_feed()}));

  ComplianceCore& core = app.core();
  assembly->jobs_ = std::make_unique<PeriodicJobs>(
      std::vector<PeriodicJob>{{"publish checkpoint", options.checkpoint_interval,
                                [&core] { return core.PublishCheckpoint().status(); }},
                               {"enforce retention", options.retention_interval,
                                [&core] { return core.EnforceRetention().status(); }}});
  return assembly;
}

ComplianceAssembly::~ComplianceAssembly() { StopBackground(); }

void ComplianceAssembly::StartBackground() { jobs_->Start(); }

void ComplianceAssembly::StopBackground() { jobs_->Stop(); }

}  // namespace arrears::compliance::service
