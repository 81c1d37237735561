// ComplianceEventApplier: what the compliance service does with each event it
// consumes — contact events, customer events, delinquency events and case
// events (topics::v1 TOPIC_CONTACT_EVENTS, TOPIC_CUSTOMER_EVENTS,
// TOPIC_DELINQUENCY_EVENTS, TOPIC_CASE_EVENTS).
//
// Every event is appended to the audit log (personal data encrypted under the
// debtor's key, a masked copy in clear) and updates the contact history the
// rules read, in the ExactlyOnceProcessor's transaction: both commit with the
// event's "processed" mark or not at all.
//
// What the events mean for the rules (decided here, once):
//  - contact events (outbound only; inbound contacts are not ours to cap):
//    voice-call results become one call per attempt (history_convert.h maps
//    outcomes), marked "with prior consent" when a prior-consent preference
//    covers the call; field visits that took place (any outcome past
//    SCHEDULED but BLOCKED/DEFERRED/CANCELLED/FAILED) count per visit id;
//    an unrelated third party reached counts once per attempt and a refusal
//    binds; LOST_CONTACT sets the lost-contact status and a connected call
//    with the debtor clears it; DISPUTE opens a dispute of the event's loans
//    (within the validation period: unknown, so assumed — fail closed);
//    COMPLAINT opens a complaint with its SLA; PROMISE_TO_PAY records the
//    promise;
//  - customer events: contact data → residence jurisdiction, time zones
//    (residence first, then the addresses'), employer-provided e-mails;
//    consents → opt-outs and agreed contact times (replacing the previous
//    consents); attorney representation, death and bankruptcy → flags;
//  - delinquency events → the debt's status (oldest overdue due date for the
//    time-bar), newest loan_sequence wins;
//  - case events → promises (recorded, kept, broken).
//
// A structurally bad event (unparsable payload, key not matching, a required
// id missing) is rejected with InvalidArgument naming the field, so the
// consumer loop dead-letters it. Called from one thread at a time per
// processor (EventApplier contract); no logging of payloads.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_EVENT_APPLIER_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_EVENT_APPLIER_H_

#include "common/store/event_applier.h"
#include "services/compliance_auditing/history/sqlite_contact_history.h"
#include "services/compliance_auditing/service/grievances.h"
#include "services/compliance_auditing/service/service_audit.h"

namespace arrears::compliance::service {

class ComplianceEventApplier final : public store::EventApplier {
 public:
  // All must outlive the applier.
  ComplianceEventApplier(history::SqliteContactHistory* history, ServiceAudit* audit,
                         Grievances* grievances)
      : history_(history), audit_(audit), grievances_(grievances) {}

  absl::Status Apply(const events::InboundEvent& event, store::Transaction& txn,
                     store::OutboxWriter& outbox) override;

 private:
  absl::Status ApplyContactEvent(const events::Event& event, store::Transaction& txn);
  absl::Status ApplyCustomerEvent(const events::Event& event, store::Transaction& txn);
  absl::Status ApplyDelinquencyEvent(const events::Event& event, store::Transaction& txn);
  absl::Status ApplyCaseEvent(const events::Event& event, store::Transaction& txn);

  history::SqliteContactHistory* const history_;
  ServiceAudit* const audit_;
  Grievances* const grievances_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_EVENT_APPLIER_H_
