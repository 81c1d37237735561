// CaseManager: the strategy routing service's domain workflow. It turns what
// happens to a customer (delinquency snapshots, contact outcomes, customer
// notices, API commands, the passing of business days) into case changes,
// decisions and outbound events, inside the caller's transaction.
//
// Every entry point takes the open store::Transaction and the OutboxWriter of
// that transaction: the case change and the events it emits commit together
// (exactly-once effects with the processed-event mark of the consumer path,
// or ServiceHost::InTransaction for API calls). Nothing here sees Kafka,
// SQLite or gRPC.
//
// Cases: one per customer across loans. A delinquency event (key loan_id)
// opens the customer's case when a loan turns delinquent and none is open,
// updates it otherwise, and the case closes when no loan is delinquent any
// more (cancel-pending request, agency recall, CaseClosed). A stale event (a
// loan sequence already applied, also by the customer's previous case) is
// ignored. Contact events update treatments, contactability, refusal,
// hardship, promises and dispute/complaint holds, and close finished field
// visits. Customer events keep the CustomerProfile (no personal data) and
// place or lift DECEASED / BANKRUPTCY holds; new contact points end a lost
// contact.
//
// Decisions: after every change the case is decided on its business date
// (the latest of its snapshots and its time zone's business date): broken
// promise check, agency placement expiry, rescoring (priority = expected
// recovery), then DecisionEngine::Decide + ApplyDecision. Each contact
// becomes a ContactRequest (topic contact-requests, key customer id, id =
// the decision's request id) carrying channel, template, priority, window
// and the reason (strategy, version, variant, segment, step, explanation).
// Channel work done here:
//  - FIELD_VISIT: confirm data first (overdue amount known, a verified visit
//    address with its roster region, a verified phone); then book two staff
//    from the roster; the order (date, window, staff, address, recording)
//    goes into the request. Unconfirmed data or a full roster: nothing is
//    sent and the case is decided again the next business day.
//  - AGENCY_PLACEMENT: an agency by stable hash of the case id, placed for
//    `agency_placement_days`; recalled (a RECALL request) when the case
//    closes, a complaint hold starts, or the placement expires.
//  - LEGAL_REFERRAL: the referral with the configured firm.
// Withdrawals (cancel-pending requests on close, hold, promise; recalls) are
// emitted before the decision's new requests in the same unit of work, so
// the contact service, reading one key in order, never cancels a request
// made after the cancellation.
//
// Agenda (how steps at day offsets get evaluated without events): every open
// case carries next_decision_date = DecisionEngine::NextDecisionDate plus the
// dates its promise grace, holds and agency placement end (or the next day
// when a field visit waits for data or capacity). A time zone's business date
// is the latest snapshot business date seen on any delinquency event of that
// zone (INSTALLMENT_DUE_SOON included). When an event advances it (and the
// new date is settled, see below), the cases of the zone due on or before
// the new date are decided in the same transaction, up to
// `inline_agenda_limit`, in (date, case id) order, as of the start of that
// business day (Cause "agenda/<zone>/<date>"); the rest are left to
// RunDueAgendas, which the service's agenda worker calls until nothing is
// due. RunAgenda / RunDueAgendas decide nothing for a date not yet settled. A case is also brought
// to its zone's business date whenever it is touched, so it never decides on a stale date.
//
// Case ids (CaseIdFor): derived from the customer id, the case's ordinal
// among the customer's cases (1st, 2nd, ...) and the opening business date,
// never from the opening event: which of a customer's loans reaches the
// service first depends on partition interleaving (the delinquency topic is
// keyed by loan id), and the case id decides the variant (stable hash), the
// agency and every request id.
//
// Arrival-order independence ("settled business dates"): with
// `settle_after` and a clock set (the service binary sets both), a decision
// on business date D of a time zone is taken only once D is settled, i.e.
// the clock has passed local D 00:00 + settle_after: by then the close of D
// has published all of D's delinquency events. Before that, any event or
// command updates the case and emits what is not a decision (case events,
// withdrawals) but decides nothing: the case goes on the agenda for D, and
// the agenda (RunDueAgendas, the agenda worker) decides it once D is
// settled, as of the start of D (Cause "agenda/<zone>/<date>"). So a
// customer whose loans fall overdue on the same close gets one decision over
// all of them, with the same segment, step, request ids, channels and
// payloads in whatever order the loans' events arrived. Without
// settle_after (unit tests), every change is decided at once (the first
// event of the day decides on what it knows). Closing waits too: a case
// whose last delinquent loan cures before D settled stays open until then
// (and closes at the settling decision), so another loan of the customer
// turning delinquent on the same close joins it in either order instead of
// opening a second case. Limits: events of D arriving after D settled are
// decided on arrival; the case events emitted on arrival (CaseOpened's
// loan_id, snapshots) still show the order; agreement needs each close to
// publish its events before local D 00:00 + settle_after.
//
// Replay safety: ids are derived from the inputs (case id as above, request
// ids from case, strategy step and date, hold / promise / plan ids from the
// case and the event or idempotency key), event times are cause times, and
// a step once applied is never emitted again: replaying the same events
// (deduped upstream or not) or re-running after a crash at any point yields
// the same requests once each.
//
// Thread-safety: thread-safe (no mutable state of its own; the store and the
// strategy book are); concurrent calls need distinct transactions.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_CASE_MANAGER_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_CASE_MANAGER_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "common/store/outbox_writer.h"
#include "common/store/transaction.h"
#include "common/time/clock.h"
#include "services/strategy_routing/case_store.h"
#include "services/strategy_routing/field_roster.h"
#include "services/strategy_routing/outbound_events.h"
#include "services/strategy_routing/risk_score.h"
#include "services/strategy_routing/strategy_book.h"

namespace arrears::strategy {

struct CaseManagerOptions {
  CasePolicy policy;
  // Agencies for placements, chosen by a stable hash of the case id.
  std::vector<std::string> agencies = {"agency-default"};
  int agency_placement_days = 90;
  std::string legal_firm_id = "legal-department";
  // A proposed plan lapses after this many days unless it says otherwise.
  int plan_offer_days = 14;
  // Agenda cases decided inside the transaction of the event that advanced
  // the business date (see "Agenda"); 0 = none inline.
  int inline_agenda_limit = 500;
  // Settled business dates (see above): decisions on business date D wait
  // until `clock` passes local D 00:00 + settle_after. Unset (or no clock):
  // decide at once. The clock is not owned and must outlive the manager.
  std::optional<absl::Duration> settle_after;
  const Clock* clock = nullptr;
};

// API inputs (validated by the caller for presence; values are checked here).
struct PromiseInput {
  money::Money amount = money::Money::Zero(money::Currency::Of("CNY"));
  absl::CivilDay promised_date;
  std::string recorded_by;
  // Retries with the same key return the first promise.
  std::string idempotency_key;
};

struct HoldInput {
  v1::HoldType type = v1::HOLD_TYPE_UNSPECIFIED;
  std::string set_by;
  std::string reason;
  // Last day in force, or the end instant (converted in the case's zone);
  // neither = until lifted.
  std::optional<absl::CivilDay> until;
  std::optional<absl::Time> until_time;
  std::string source_ref;
  std::string idempotency_key;
};

class CaseManager {
 public:
  // Pointers are not owned and must outlive the manager.
  CaseManager(CaseStore* store, const StrategyBook* book, const Scorecard* scorecard,
              const FieldRoster* roster, CaseManagerOptions options);

  // Consumed events. InvalidArgument (naming the field) for a structurally
  // bad event: the consumer dead-letters it.
  absl::Status ApplyDelinquencyEvent(store::Transaction& txn, store::OutboxWriter& outbox,
                                     const delinquency::v1::DelinquencyEvent& event,
                                     const Cause& cause);
  absl::Status ApplyContactEvent(store::Transaction& txn, store::OutboxWriter& outbox,
                                 const contact::v1::ContactEvent& event, const Cause& cause);
  absl::Status ApplyCustomerEvent(store::Transaction& txn, store::OutboxWriter& outbox,
                                  const customer::v1::CustomerEvent& event, const Cause& cause);

  // Decides up to `limit` cases of `time_zone` due on or before `day`;
  // returns how many it decided.
  absl::StatusOr<int> RunAgenda(store::Transaction& txn, store::OutboxWriter& outbox,
                                absl::string_view time_zone, absl::CivilDay day, int limit);
  // RunAgenda for every time zone at its business date, up to `limit` cases
  // in all; returns how many it decided (< limit: nothing more is due).
  absl::StatusOr<int> RunDueAgendas(store::Transaction& txn, store::OutboxWriter& outbox,
                                    int limit);
  // How many cases RunDueAgendas would decide now, counting up to `limit`.
  absl::StatusOr<int> CountDueAgendas(store::Transaction& txn, int limit);

  // Commands. NotFound for an unknown case, FailedPrecondition for a closed
  // one; InvalidArgument naming the field.
  absl::StatusOr<v1::Case> AssignCase(store::Transaction& txn, store::OutboxWriter& outbox,
                                      absl::string_view case_id, CaseAssignment assignment,
                                      const Cause& cause);
  absl::StatusOr<v1::Promise> RecordPromise(store::Transaction& txn, store::OutboxWriter& outbox,
                                            absl::string_view case_id, const PromiseInput& input,
                                            const Cause& cause);
  absl::StatusOr<v1::Hold> PlaceHold(store::Transaction& txn, store::OutboxWriter& outbox,
                                     absl::string_view case_id, const HoldInput& input,
                                     const Cause& cause);
  absl::StatusOr<v1::Hold> LiftHold(store::Transaction& txn, store::OutboxWriter& outbox,
                                    absl::string_view case_id, absl::string_view hold_id,
                                    absl::string_view lifted_by, const Cause& cause);
  // `plan`: loan_terms, hardship_reason, proposed_by, expire_time (optional).
  absl::StatusOr<v1::RepaymentPlan> ProposePlan(store::Transaction& txn,
                                                store::OutboxWriter& outbox,
                                                absl::string_view case_id, v1::RepaymentPlan plan,
                                                absl::string_view idempotency_key,
                                                const Cause& cause);
  // Publishes a PlanAgreed per loan (topic plan-events, key loan id), places
  // a HARDSHIP hold until the first new due date plus grace, cancels the open
  // promise and other proposals. Accepting an accepted plan returns it.
  absl::StatusOr<v1::RepaymentPlan> AcceptPlan(store::Transaction& txn, store::OutboxWriter& outbox,
                                               absl::string_view case_id, absl::string_view plan_id,
                                               absl::string_view accepted_by, const Cause& cause);

  // Queries. The case as of its time zone's business date (DPD projected).
  absl::StatusOr<v1::Case> GetCase(store::Transaction& txn, absl::string_view case_id);
  absl::StatusOr<v1::Case> GetCustomerCase(store::Transaction& txn, absl::string_view customer_id);
  // Champion/challenger outcomes of cases of `strategy_id` opened in
  // [from, to], from the stored cases.
  absl::StatusOr<v1::StrategyReport> Report(store::Transaction& txn, absl::string_view strategy_id,
                                            absl::CivilDay from, absl::CivilDay to, absl::Time now);

  // What `engine` would decide for `record` on `day` (its business date if
  // later): no store access, nothing booked or emitted.
  v1::SimulatedDecision Simulate(const DecisionEngine& engine, CaseRecord record,
                                 absl::CivilDay day, absl::Time now) const;

  CaseStore& store() { return *store_; }
  const CasePolicy& policy() const { return options_.policy; }

  // The id of the customer's `ordinal`-th case (1 = first), opened on
  // business date `opened_on`: DeriveTimeOrderedId(customer_id,
  // "case/<ordinal>", UTC midnight of opened_on). The same whichever loan's
  // event opens it, in every process and replay.
  static std::string CaseIdFor(absl::string_view customer_id, int ordinal,
                               absl::CivilDay opened_on);

  // Whether decisions on `day` of `zone` may be taken now (see "settled
  // business dates"); always true without settle_after.
  bool Settled(const absl::TimeZone& zone, absl::CivilDay day) const;

 private:
  struct Work;

  absl::StatusOr<v1::Case> AsOfToday(store::Transaction& txn, CaseRecord record);
  absl::StatusOr<CaseRecord> LoadForCommand(store::Transaction& txn, absl::string_view case_id);
  absl::StatusOr<absl::CivilDay> BusinessDateFor(store::Transaction& txn, const CaseRecord& record);
  absl::StatusOr<std::optional<CaseRecord>> OpenCase(store::Transaction& txn,
                                                     const delinquency::v1::DelinquencyEvent& event,
                                                     const Cause& cause, Work& work);
  // Brings the case to its business date, decides, and finishes the unit.
  absl::Status DecideAndFinish(store::Transaction& txn, store::OutboxWriter& outbox,
                               CaseRecord& record, const CollectionCase* before, Work& work,
                               const Cause& cause);
  absl::Status Decide(store::Transaction& txn, CaseRecord& record, absl::CivilDay day, Work& work,
                      const Cause& cause);
  // Fills channel orders; false when the contact cannot go out now.
  absl::StatusOr<bool> Execute(store::Transaction& txn, CaseRecord& record,
                               const ContactDecision& contact, absl::CivilDay day,
                               v1::ContactRequest& request, Work& work, const Cause& cause);
  absl::StatusOr<bool> PlanFieldVisit(store::Transaction& txn, CaseRecord& record,
                                      const ContactDecision& contact, absl::CivilDay day,
                                      v1::ContactRequest& request, Work& work);
  void Recall(CaseRecord& record, absl::string_view reason, Work& work, const Cause& cause);
  void Rescore(CaseRecord& record, const Cause& cause) const;
  void Diff(const CollectionCase* before, CaseRecord& record, Work& work, const Cause& cause);
  absl::Status Finish(store::Transaction& txn, store::OutboxWriter& outbox, CaseRecord& record,
                      Work& work, const Cause& cause);
  std::optional<absl::CivilDay> NextDecisionDate(const CaseRecord& record, absl::CivilDay day,
                                                 bool retry_tomorrow) const;

  CaseStore* const store_;
  const StrategyBook* const book_;
  const Scorecard* const scorecard_;
  const FieldRoster* const roster_;
  const CaseManagerOptions options_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_CASE_MANAGER_H_
