// Grievances: disputes and complaints — opening, resolving and auditing them —
// for both the API (RegisterDispute, RegisterComplaint, ...) and the contact
// events that report them (a debtor disputing or complaining on a call).
//
// Each change is stored in the contact history (which the rules read: an open
// dispute pauses collection on its debts) and appended to the audit log in
// the caller's transaction; the returned resource carries the audit index.
// A complaint's SLA due time is its receipt plus the shortest SLA of the
// packs applying to its customer (PackTerms::ComplaintSla); `sla_breached`
// is computed on read (Decorate).
//
// Callers validate inputs; these functions check state (NotFound,
// FailedPrecondition). Thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_GRIEVANCES_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_GRIEVANCES_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "arrears/compliance/v1/compliance_service.pb.h"
#include "common/store/transaction.h"
#include "services/compliance_auditing/history/sqlite_contact_history.h"
#include "services/compliance_auditing/service/pack_terms.h"
#include "services/compliance_auditing/service/service_audit.h"

namespace arrears::compliance::service {

class Grievances {
 public:
  // All must outlive the object.
  Grievances(history::SqliteContactHistory* history, ServiceAudit* audit, const PackTerms* terms)
      : history_(history), audit_(audit), terms_(terms) {}

  // Stores `dispute` (dispute_id set) as open. An existing dispute with the
  // same id is returned unchanged (a redelivered report opens nothing new).
  absl::StatusOr<v1::Dispute> OpenDispute(store::Transaction& txn, v1::Dispute dispute,
                                          absl::string_view source_id);
  // Resolves an open dispute. NotFound / FailedPrecondition (already
  // resolved).
  absl::StatusOr<v1::Dispute> ResolveDispute(store::Transaction& txn,
                                             const v1::ResolveDisputeRequest& request,
                                             absl::string_view dispute_id, absl::Time now);

  // Stores `complaint` (complaint_id, receive_time set) as open, with its SLA
  // due time. An existing complaint with the same id is returned unchanged.
  absl::StatusOr<v1::Complaint> OpenComplaint(store::Transaction& txn, v1::Complaint complaint,
                                              absl::string_view source_id, absl::Time now);
  absl::StatusOr<v1::Complaint> ResolveComplaint(store::Transaction& txn,
                                                 const v1::ResolveComplaintRequest& request,
                                                 absl::string_view complaint_id, absl::Time now);

  // Sets sla_breached: resolved after, or still open at `now` at or after,
  // the due time.
  static void Decorate(v1::Complaint& complaint, absl::Time now);

 private:
  history::SqliteContactHistory* const history_;
  ServiceAudit* const audit_;
  const PackTerms* const terms_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_GRIEVANCES_H_
