#include "services/compliance_auditing/service/grievances.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/service/audit_records.h"

namespace arrears::compliance::service {

absl::StatusOr<v1::Dispute> Grievances::OpenDispute(store::Transaction& txn, v1::Dispute dispute,
                                                    absl::string_view source_id) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<v1::Dispute> existing,
                           history_->GetDispute(txn, dispute.dispute_id()));
  if (existing.has_value()) return *std::move(existing);
  dispute.set_name(absl::StrCat("disputes/", dispute.dispute_id()));
  dispute.set_state(v1::Dispute::STATE_OPEN);
  dispute.clear_resolution();
  dispute.clear_resolve_time();
  dispute.clear_resolved_by();
  dispute.clear_verification_sent_time();
  ARREARS_ASSIGN_OR_RETURN(const uint64_t index,
                           audit_->Append(txn, DisputeRecord(dispute, source_id)));
  dispute.set_audit_index(index);
  ARREARS_RETURN_IF_ERROR(history_->PutDispute(txn, dispute));
  return dispute;
}

absl::StatusOr<v1::Dispute> Grievances::ResolveDispute(store::Transaction& txn,
                                                       const v1::ResolveDisputeRequest& request,
                                                       absl::string_view dispute_id,
                                                       absl::Time now) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<v1::Dispute> found, history_->GetDispute(txn, dispute_id));
  if (!found.has_value()) {
    return absl::NotFoundError(absl::StrCat("name: dispute ", dispute_id, " does not exist"));
  }
  v1::Dispute dispute = *std::move(found);
  if (dispute.state() != v1::Dispute::STATE_OPEN) {
    return absl::FailedPreconditionError(
        absl::StrCat("name: dispute ", dispute_id, " is already resolved"));
  }
  dispute.set_state(v1::Dispute::STATE_RESOLVED);
  dispute.set_resolution(request.resolution());
  if (request.has_verification_sent_time()) {
    *dispute.mutable_verification_sent_time() = request.verification_sent_time();
  }
  *dispute.mutable_resolve_time() = ToTimestamp(now);
  dispute.set_resolved_by(request.resolved_by());
  if (!request.evidence_ref().empty()) dispute.set_evidence_ref(request.evidence_ref());
  ARREARS_ASSIGN_OR_RETURN(
      const uint64_t index,
      audit_->Append(txn, DisputeRecord(dispute, absl::StrCat("resolve:", dispute_id))));
  dispute.set_audit_index(index);
  ARREARS_RETURN_IF_ERROR(history_->PutDispute(txn, dispute));
  return dispute;
}

absl::StatusOr<v1::Complaint> Grievances::OpenComplaint(store::Transaction& txn,
                                                        v1::Complaint complaint,
                                                        absl::string_view source_id,
                                                        absl::Time now) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<v1::Complaint> existing,
                           history_->GetComplaint(txn, complaint.complaint_id()));
  if (existing.has_value()) {
    Decorate(*existing, now);
    return *std::move(existing);
  }
  complaint.set_name(absl::StrCat("complaints/", complaint.complaint_id()));
  complaint.set_state(v1::Complaint::STATE_OPEN);
  complaint.clear_resolve_time();
  complaint.clear_resolution();
  complaint.clear_resolved_by();
  complaint.clear_acknowledge_time();
  ARREARS_ASSIGN_OR_RETURN(const std::vector<std::string> jurisdictions,
                           history_->Jurisdictions(txn, complaint.customer_id()));
  if (const std::optional<absl::Duration> sla = terms_->ComplaintSla(jurisdictions)) {
    *complaint.mutable_sla_due_time() = ToTimestamp(FromTimestamp(complaint.receive_time()) + *sla);
  } else {
    complaint.clear_sla_due_time();
  }
  Decorate(complaint, now);
  ARREARS_ASSIGN_OR_RETURN(const uint64_t index,
                           audit_->Append(txn, ComplaintRecord(complaint, source_id)));
  complaint.set_audit_index(index);
  ARREARS_RETURN_IF_ERROR(history_->PutComplaint(txn, complaint));
  return complaint;
}

absl::StatusOr<v1::Complaint> Grievances::ResolveComplaint(
    store::Transaction& txn, const v1::ResolveComplaintRequest& request,
    absl::string_view complaint_id, absl::Time now) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<v1::Complaint> found,
                           history_->GetComplaint(txn, complaint_id));
  if (!found.has_value()) {
    return absl::NotFoundError(absl::StrCat("name: complaint ", complaint_id, " does not exist"));
  }
  v1::Complaint complaint = *std::move(found);
  if (complaint.state() == v1::Complaint::STATE_RESOLVED) {
    return absl::FailedPreconditionError(
        absl::StrCat("name: complaint ", complaint_id, " is already resolved"));
  }
  complaint.set_state(v1::Complaint::STATE_RESOLVED);
  complaint.set_resolution(request.resolution());
  complaint.set_resolved_by(request.resolved_by());
  *complaint.mutable_resolve_time() = ToTimestamp(now);
  Decorate(complaint, now);
  ARREARS_ASSIGN_OR_RETURN(
      const uint64_t index,
      audit_->Append(txn, ComplaintRecord(complaint, absl::StrCat("resolve:", complaint_id))));
  complaint.set_audit_index(index);
  ARREARS_RETURN_IF_ERROR(history_->PutComplaint(txn, complaint));
  return complaint;
}

void Grievances::Decorate(v1::Complaint& complaint, absl::Time now) {
  if (!complaint.has_sla_due_time()) {
    complaint.set_sla_breached(false);
    return;
  }
  const absl::Time due = FromTimestamp(complaint.sla_due_time());
  const bool resolved = complaint.state() == v1::Complaint::STATE_RESOLVED;
  const absl::Time settled = resolved ? FromTimestamp(complaint.resolve_time()) : now;
  complaint.set_sla_breached(settled >= due);
}

}  // namespace arrears::compliance::service
