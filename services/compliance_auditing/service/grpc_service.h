// ComplianceGrpcService: the gRPC face of ComplianceCore
// (arrears.compliance.v1.ComplianceService). A thin adapter: each handler
// calls the core and converts its status with runtime::ToGrpcStatus
// (INVALID_ARGUMENT naming the field, NOT_FOUND, FAILED_PRECONDITION,
// PERMISSION_DENIED, UNAVAILABLE when the store is busy). ExportAudit streams
// the core's chunks as they come.
//
// CheckContact, the hot path, uses gRPC's callback API: the handler hands the
// request to the core's commit queue and returns, and the queue's thread
// finishes the call once the decision is recorded — no server thread waits
// on a commit. The other methods are synchronous.
//
// Thread-safe; the core must outlive the service.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_GRPC_SERVICE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_GRPC_SERVICE_H_

#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "services/compliance_auditing/service/compliance_core.h"

namespace arrears::compliance::service {

class ComplianceGrpcService final : public v1::ComplianceService::WithCallbackMethod_CheckContact<
                                        v1::ComplianceService::Service> {
 public:
  explicit ComplianceGrpcService(ComplianceCore* core) : core_(core) {}

  grpc::ServerUnaryReactor* CheckContact(grpc::CallbackServerContext* context,
                                         const v1::CheckContactRequest* request,
                                         v1::ContactDecision* response) override;
  grpc::Status RecordPreference(grpc::ServerContext* context,
                                const v1::RecordPreferenceRequest* request,
                                v1::Preference* response) override;
  grpc::Status RegisterDispute(grpc::ServerContext* context,
                               const v1::RegisterDisputeRequest* request,
                               v1::Dispute* response) override;
  grpc::Status ResolveDispute(grpc::ServerContext* context,
                              const v1::ResolveDisputeRequest* request,
                              v1::Dispute* response) override;
  grpc::Status RegisterComplaint(grpc::ServerContext* context,
                                 const v1::RegisterComplaintRequest* request,
                                 v1::Complaint* response) override;
  grpc::Status ResolveComplaint(grpc::ServerContext* context,
                                const v1::ResolveComplaintRequest* request,
                                v1::Complaint* response) override;
  grpc::Status ListComplaints(grpc::ServerContext* context,
                              const v1::ListComplaintsRequest* request,
                              v1::ListComplaintsResponse* response) override;
  grpc::Status ScreenMessage(grpc::ServerContext* context, const v1::ScreenMessageRequest* request,
                             v1::ScreenMessageResponse* response) override;
  grpc::Status GetAuditEntry(grpc::ServerContext* context, const v1::GetAuditEntryRequest* request,
                             v1::AuditEntry* response) override;
  grpc::Status QueryAudit(grpc::ServerContext* context, const v1::QueryAuditRequest* request,
                          v1::QueryAuditResponse* response) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* context,
                                 const v1::GetInclusionProofRequest* request,
                                 v1::InclusionProof* response) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* context,
                                   const v1::GetConsistencyProofRequest* request,
                                   v1::ConsistencyProof* response) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
                             v1::SignedCheckpoint* response) override;
  grpc::Status VerifyLog(grpc::ServerContext* context, const v1::VerifyLogRequest* request,
                         v1::VerifyLogResponse* response) override;
  grpc::Status ExportAudit(grpc::ServerContext* context, const v1::ExportAuditRequest* request,
                           grpc::ServerWriter<v1::ExportAuditChunk>* writer) override;

 private:
  ComplianceCore* const core_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_GRPC_SERVICE_H_
