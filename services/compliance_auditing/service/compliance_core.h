// ComplianceCore: the compliance service's API as domain operations — what
// the gRPC ComplianceService (grpc_service.h) adapts, one method per RPC,
// plus the periodic jobs (checkpoints, retention, SLA watch).
//
// Contracts:
//  - Validation: a malformed request fails with InvalidArgument naming the
//    field ("preference.customer_id: required"). CheckContact never fails
//    for a missing fact or input the rules need: it fails closed (DENY with
//    UNKNOWN_INPUT), as the policy engine does.
//  - CheckContact evaluates every applicable pack on a consistent snapshot of
//    the contact history (a reader connection), then, in
//    one transaction, appends the decision to the audit log, stores its
//    audit index under its check_id and enqueues a ComplianceDecisionEvent
//    on the decisions topic: the decision, its audit entry and its event
//    exist together or not at all. Concurrent checks share transactions
//    (CommitQueue). A retry with the same check_id returns the recorded
//    decision (read back from its audit entry) without logging again.
//  - Mutating APIs (preferences, disputes, complaints) change the history
//    and append their audit record in one transaction; a request_id makes
//    them idempotent.
//  - Personal data (contact point values, message text) reaches the audit
//    log only encrypted under the debtor's key, never the decisions topic
//    and never a log line. Revealing it (GetAuditEntry, ExportAudit) needs
//    ComplianceCoreOptions::allow_reveal_personal_data (PermissionDenied
//    otherwise).
//  - Checkpoints: PublishCheckpoint signs the committed tree and enqueues the
//    checkpoint on the audit-checkpoints topic in the same transaction, so a
//    copy ends up outside the service.
//  - Retention: EnforceRetention erases (crypto-shreds) the keys of debtors
//    whose latest entry is older than the longest retention of their packs;
//    entries and proofs stay.
//
// Thread-safe. Everything passed to Create must outlive the core.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMPLIANCE_CORE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMPLIANCE_CORE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arrears/compliance/v1/compliance_service.pb.h"
#include "common/ids/id_generator.h"
#include "common/store/migration.h"
#include "common/store/sqlite_database.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/history/sqlite_contact_history.h"
#include "services/compliance_auditing/policy/policy_engine.h"
#include "services/compliance_auditing/service/commit_queue.h"
#include "services/compliance_auditing/service/grievances.h"
#include "services/compliance_auditing/service/pack_terms.h"
#include "services/compliance_auditing/service/request_records.h"
#include "services/compliance_auditing/service/service_audit.h"

namespace arrears::compliance::service {

// The service database's own migrations (audit log, contact history, request
// records), numbered from store::kFirstServiceMigrationVersion.
std::vector<store::Migration> ComplianceMigrations();

// The service database's settings (its path is the host's). Every decision
// writes a few pages, so at full load the WAL grows by tens of thousands of
// pages a second: it is checkpointed every 10,000 pages rather than every
// 1,000, which would copy the same hot pages (each table's last leaf and
// its parents) back tens of times a second and hold writers off for each
// restart of the WAL. kNormal (the default) makes a commit survive a crash
// of the process; kFull fsyncs every commit, so that it survives a power
// loss too (each group commit then waits for the disk).
store::SqliteOptions ComplianceDatabaseOptions(
    store::SqliteSynchronous synchronous = store::SqliteSynchronous::kNormal);

struct ComplianceCoreOptions {
  // ce_source of the events the service emits.
  std::string event_source = "//arrears/compliance-auditing";
  // Whether GetAuditEntry/ExportAudit may decrypt personal data.
  bool allow_reveal_personal_data = false;
  // Most decisions and screenings one transaction takes (CommitQueue).
  size_t max_commit_group = 256;
  // Bytes per ExportAuditChunk (lines are not split).
  size_t export_chunk_bytes = 64 * 1024;
  // Encrypt a decision's personal data on the caller's thread
  // (AuditLog::Seal) rather than on the commit queue's thread; false only
  // for A/B measurements.
  bool seal_before_queueing = true;
  // Write a commit group's decision records with one audit append
  // (ServiceAudit staging) rather than one append per decision; false only
  // for A/B measurements.
  bool stage_audit_records = true;
};

struct ComplianceCoreDeps {
  const policy::PolicyEngine* engine = nullptr;
  history::SqliteContactHistory* history = nullptr;
  ServiceAudit* audit = nullptr;
  Grievances* grievances = nullptr;
  const PackTerms* terms = nullptr;
  const RequestRecords* requests = nullptr;
  // Runs a body in one transaction of the service database with an outbox.
  TransactionRunnerWithOutbox run;
  const Clock* clock = nullptr;
  ids::IdGenerator* ids = nullptr;
};

class ComplianceCore {
 public:
  static absl::StatusOr<std::unique_ptr<ComplianceCore>> Create(ComplianceCoreDeps deps,
                                                                ComplianceCoreOptions options);

  // The answer to a CheckContact, given once.
  using DecisionCallback = std::function<void(absl::StatusOr<v1::ContactDecision>)>;

  absl::StatusOr<v1::ContactDecision> CheckContact(const v1::CheckContactRequest& request);
  // The same without waiting for the commit: evaluates on the caller's
  // thread, then `done` runs on the commit queue's thread once the decision
  // is recorded (or at once, on the caller's thread, for an invalid request
  // or an unreadable history). `request` must stay valid until then; `done`
  // must be quick.
  void CheckContactAsync(const v1::CheckContactRequest* request, DecisionCallback done);
  absl::StatusOr<v1::Preference> RecordPreference(const v1::RecordPreferenceRequest& request);
  absl::StatusOr<v1::Dispute> RegisterDispute(const v1::RegisterDisputeRequest& request);
  absl::StatusOr<v1::Dispute> ResolveDispute(const v1::ResolveDisputeRequest& request);
  absl::StatusOr<v1::Complaint> RegisterComplaint(const v1::RegisterComplaintRequest& request);
  absl::StatusOr<v1::Complaint> ResolveComplaint(const v1::ResolveComplaintRequest& request);
  absl::StatusOr<v1::ListComplaintsResponse> ListComplaints(
      const v1::ListComplaintsRequest& request);
  absl::StatusOr<v1::ScreenMessageResponse> ScreenMessage(const v1::ScreenMessageRequest& request);

  absl::StatusOr<v1::AuditEntry> GetAuditEntry(const v1::GetAuditEntryRequest& request);
  absl::StatusOr<v1::QueryAuditResponse> QueryAudit(const v1::QueryAuditRequest& request);
  absl::StatusOr<v1::InclusionProof> GetInclusionProof(const v1::GetInclusionProofRequest& request);
  absl::StatusOr<v1::ConsistencyProof> GetConsistencyProof(
      const v1::GetConsistencyProofRequest& request);
  absl::StatusOr<v1::SignedCheckpoint> GetCheckpoint(const v1::GetCheckpointRequest& request);
  absl::StatusOr<v1::VerifyLogResponse> VerifyLog(const v1::VerifyLogRequest& request);
  // Streams the export through `emit`, chunk by chunk (see ExportAuditChunk).
  absl::Status ExportAudit(const v1::ExportAuditRequest& request,
                           absl::FunctionRef<absl::Status(const v1::ExportAuditChunk&)> emit);

  // Periodic jobs. Signs and publishes a checkpoint when the log grew since
  // the latest one (always with `force`); nullopt when nothing was signed.
  absl::StatusOr<std::optional<v1::SignedCheckpoint>> PublishCheckpoint(bool force = false);
  // Erases the keys of debtors past retention; returns them.
  absl::StatusOr<std::vector<std::string>> EnforceRetention();
  // Open complaints at or past their SLA due time.
  absl::StatusOr<int64_t> OverdueComplaints();

  uint64_t audit_size() const;
  // Decisions made (committed) with `verdict` since start.
  int64_t decisions(v1::Verdict verdict) const;
  size_t queued_commits() const { return queue_.queued(); }
  const CommitQueue& commit_queue() const { return queue_; }

 private:
  ComplianceCore(ComplianceCoreDeps deps, ComplianceCoreOptions options)
      : deps_(std::move(deps)),
        options_(std::move(options)),
        staging_(deps_.audit),
        queue_(deps_.run, options_.max_commit_group,
               options_.stage_audit_records ? &staging_ : nullptr) {}

  // A commit group's decisions stage their audit records; the group writes
  // them with one append (ServiceAudit staging).
  class AuditStaging final : public CommitQueue::GroupBatch {
   public:
    explicit AuditStaging(ServiceAudit* audit) : audit_(audit) {}
    void Begin() override { audit_->BeginStaging(); }
    absl::Status Finish(store::Transaction& txn) override { return audit_->WriteStaged(txn); }
    void End() override { audit_->EndStaging(); }

   private:
    ServiceAudit* const audit_;
  };

  // The latest stored checkpoint's size, or FailedPrecondition naming `field`
  // when there is none.
  absl::StatusOr<uint64_t> LatestCheckpointSize(absl::string_view field);

  class DecisionUnit;
  void CountVerdict(v1::Verdict verdict);

  const ComplianceCoreDeps deps_;
  const ComplianceCoreOptions options_;
  std::array<std::atomic<int64_t>, 4> verdict_counts_{};
  AuditStaging staging_;
  // Last: destroyed first, after finishing every queued unit (which use the
  // members above).
  CommitQueue queue_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMPLIANCE_CORE_H_
