#include "services/compliance_auditing/service/grpc_service.h"

#include <utility>

#include "common/runtime/grpc_status.h"

namespace arrears::compliance::service {
namespace {

// Moves a core result into the response, or converts its error.
template <typename Response>
grpc::Status Reply(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return runtime::ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::ServerUnaryReactor* ComplianceGrpcService::CheckContact(
    grpc::CallbackServerContext* context, const v1::CheckContactRequest* request,
    v1::ContactDecision* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // gRPC keeps `request` and `response` until Finish.
  core_->CheckContactAsync(request,
                           [reactor, response](absl::StatusOr<v1::ContactDecision> decision) {
                             reactor->Finish(Reply(std::move(decision), response));
                           });
  return reactor;
}

grpc::Status ComplianceGrpcService::RecordPreference(grpc::ServerContext*,
                                                     const v1::RecordPreferenceRequest* request,
                                                     v1::Preference* response) {
  return Reply(core_->RecordPreference(*request), response);
}

grpc::Status ComplianceGrpcService::RegisterDispute(grpc::ServerContext*,
                                                    const v1::RegisterDisputeRequest* request,
                                                    v1::Dispute* response) {
  return Reply(core_->RegisterDispute(*request), response);
}

grpc::Status ComplianceGrpcService::ResolveDispute(grpc::ServerContext*,
                                                   const v1::ResolveDisputeRequest* request,
                                                   v1::Dispute* response) {
  return Reply(core_->ResolveDispute(*request), response);
}

grpc::Status ComplianceGrpcService::RegisterComplaint(grpc::ServerContext*,
                                                      const v1::RegisterComplaintRequest* request,
                                                      v1::Complaint* response) {
  return Reply(core_->RegisterComplaint(*request), response);
}

grpc::Status ComplianceGrpcService::ResolveComplaint(grpc::ServerContext*,
                                                     const v1::ResolveComplaintRequest* request,
                                                     v1::Complaint* response) {
  return Reply(core_->ResolveComplaint(*request), response);
}

grpc::Status ComplianceGrpcService::ListComplaints(grpc::ServerContext*,
                                                   const v1::ListComplaintsRequest* request,
                                                   v1::ListComplaintsResponse* response) {
  return Reply(core_->ListComplaints(*request), response);
}

grpc::Status ComplianceGrpcService::ScreenMessage(grpc::ServerContext*,
                                                  const v1::ScreenMessageRequest* request,
                                                  v1::ScreenMessageResponse* response) {
  return Reply(core_->ScreenMessage(*request), response);
}

grpc::Status ComplianceGrpcService::GetAuditEntry(grpc::ServerContext*,
                                                  const v1::GetAuditEntryRequest* request,
                                                  v1::AuditEntry* response) {
  return Reply(core_->GetAuditEntry(*request), response);
}

grpc::Status ComplianceGrpcService::QueryAudit(grpc::ServerContext*,
                                               const v1::QueryAuditRequest* request,
                                               v1::QueryAuditResponse* response) {
  return Reply(core_->QueryAudit(*request), response);
}

grpc::Status ComplianceGrpcService::GetInclusionProof(grpc::ServerContext*,
                                                      const v1::GetInclusionProofRequest* request,
                                                      v1::InclusionProof* response) {
  return Reply(core_->GetInclusionProof(*request), response);
}

grpc::Status ComplianceGrpcService::GetConsistencyProof(
    grpc::ServerContext*, const v1::GetConsistencyProofRequest* request,
    v1::ConsistencyProof* response) {
  return Reply(core_->GetConsistencyProof(*request), response);
}

grpc::Status ComplianceGrpcService::GetCheckpoint(grpc::ServerContext*,
                                                  const v1::GetCheckpointRequest* request,
                                                  v1::SignedCheckpoint* response) {
  return Reply(core_->GetCheckpoint(*request), response);
}

grpc::Status ComplianceGrpcService::VerifyLog(grpc::ServerContext*,
                                              const v1::VerifyLogRequest* request,
                                              v1::VerifyLogResponse* response) {
  return Reply(core_->VerifyLog(*request), response);
}

grpc::Status ComplianceGrpcService::ExportAudit(grpc::ServerContext* context,
                                                const v1::ExportAuditRequest* request,
                                                grpc::ServerWriter<v1::ExportAuditChunk>* writer) {
  return runtime::ToGrpcStatus(
      core_->ExportAudit(*request, [&](const v1::ExportAuditChunk& chunk) -> absl::Status {
        if (context->IsCancelled()) return absl::CancelledError("the client went away");
        if (!writer->Write(chunk)) return absl::CancelledError("the stream was closed");
        return absl::OkStatus();
      }));
}

}  // namespace arrears::compliance::service
