// The decision engine: given a case and a business date, which strategy,
// variant and segment the case runs and which contacts to request now.
//
// Contract:
//  - Deterministic and side-effect free: Decide() reads the case and returns
//    a Decision; ApplyDecision() writes it back (segment entry, strategy
//    assignment, treatments). Deciding twice on the same case state and date
//    gives the same Decision, request ids included. Once applied, a step is
//    never emitted again for the case (history in CollectionCase::treatments).
//  - Strategy version rule: a new case takes the latest version of the
//    default strategy effective on the business date; a running case keeps
//    its version as long as the engine holds it, unless the latest effective
//    version of its strategy says migrate_at_next_step or
//    migrate_immediately (then it runs that one), and migrates to the
//    effective version when the engine no longer holds its own. The two
//    migration rules differ in when: migrate_immediately puts the effective
//    date on every running case's agenda (all move on that day);
//    migrate_at_next_step does not, so a case moves at its next decision for
//    its own reasons (its next step or DPD boundary falling due, an event or
//    command on the case). A migrating decision says so: migrated_from_version
//    is set and the contact's explanation ends with "strategy version
//    <from> -> <to> (<rule>)".
//  - Step selection, per segment: among the steps after the last one emitted
//    (in file order) that are due, apply to the case's variant and whose
//    conditions hold, the latest is emitted: a case entering a path late
//    skips the steps it missed instead of receiving a backlog. At most one
//    contact per decision.
//  - Holds stop contact (no requests) but the segment is still evaluated,
//    so the path continues from where the clock is when the hold ends.
//  - An open promise (up to its grace date) pauses the path except steps
//    marked during_promise.
//  - Hardship never escalates: while the case has the hardship flag, field
//    visits, agency placement and legal referral are never requested, whatever
//    the strategy file says; the hardship segment offers a plan instead.
//  - Request id: DeriveTimeOrderedId(case_id, "<strategy>/<version>/<segment>/
//    <step>", earliest time): stable across replays and processes.
//  - Agenda: NextDecisionDate() is the first business date after the given
//    one on which Decide may answer differently for a case that receives no
//    event meanwhile: a segment-entry step falls due, the projected DPD
//    reaches a boundary of the strategy (a segment's dpd range, a DPD-anchored
//    step, or one of `extra_dpd_boundaries`, e.g. the scorecard's bins), or a
//    version of the case's strategy becomes effective. Holds, promises and
//    plans are the caller's to add (the engine does not own them).
//
// Thread-safety: the engine is immutable after Create(); Decide() is const and
// safe to call concurrently. Decide() allocates only for what it returns.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_DECISION_ENGINE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_DECISION_ENGINE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "services/strategy_routing/collection_case.h"
#include "services/strategy_routing/strategy.h"

namespace arrears::strategy {

// One contact to request.
struct ContactDecision {
  std::string request_id;
  std::string segment;
  std::string step;
  int step_index = 0;
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  std::string template_id;
  common::v1::ContactPurpose purpose = common::v1::CONTACT_PURPOSE_COLLECTION;
  int priority = 0;
  absl::Time earliest_time;
  absl::Time latest_time;
  PlanOffer plan_offer = PlanOffer::kNone;
  // The step's local contact window, minutes since midnight, [start, end).
  int window_start_minute = 0;
  int window_end_minute = 0;
  // Why, in words: the conditions that matched and the step's trigger.
  std::string explanation;
};

struct Decision {
  std::string strategy_id;
  int64_t strategy_version = 0;
  std::string variant;
  // Empty when no segment matched (then `contacts` is empty).
  std::string segment;
  absl::CivilDay segment_entered_on;
  std::vector<ContactDecision> contacts;
  // The version the case ran before this decision, when this decision moves
  // it to `strategy_version` (0 otherwise), and the rule that moved it.
  int64_t migrated_from_version = 0;
  MigrationRule migration_rule = MigrationRule::kKeepVersion;
  // Why nothing was requested, when `contacts` is empty: "closed", "hold",
  // "promise", "no segment", "nothing due".
  std::string idle_reason;
};

class DecisionEngine {
 public:
  // `strategies` may hold several versions of several ids; new cases run
  // `default_strategy_id`. InvalidArgument for duplicates (same id and
  // version) or when no version of the default exists.
  // `extra_dpd_boundaries`: DPD values at which something outside the
  // strategy changes (scorecard bins), for NextDecisionDate.
  static absl::StatusOr<std::unique_ptr<DecisionEngine>> Create(
      std::vector<Strategy> strategies, std::string default_strategy_id,
      std::vector<int> extra_dpd_boundaries = {});

  Decision Decide(const CollectionCase& c, absl::CivilDay business_date) const;

  // The strategy a case runs on `business_date` (the version rule above);
  // nullptr when no version is effective yet.
  const Strategy* StrategyFor(const CollectionCase& c, absl::CivilDay business_date) const;

  // See "Agenda" above; call after ApplyDecision. nullopt: only an event can
  // change the decision (closed case, nothing left on the path).
  std::optional<absl::CivilDay> NextDecisionDate(const CollectionCase& c,
                                                 absl::CivilDay business_date) const;

  const std::vector<Strategy>& strategies() const { return strategies_; }
  const std::string& default_strategy_id() const { return default_strategy_id_; }

 private:
  DecisionEngine(std::vector<Strategy> strategies, std::string default_strategy_id,
                 std::vector<std::vector<int>> dpd_boundaries)
      : strategies_(std::move(strategies)),
        default_strategy_id_(std::move(default_strategy_id)),
        dpd_boundaries_(std::move(dpd_boundaries)) {}

  std::vector<Strategy> strategies_;
  std::string default_strategy_id_;
  // Per strategy (same index): sorted, unique DPD values where a decision
  // may change.
  std::vector<std::vector<int>> dpd_boundaries_;
};

// Whether `c` meets `conditions` (unset conditions match; a self-cure
// condition fails while the case has no score).
bool SegmentMatches(const SegmentConditions& conditions, const CollectionCase& c);

// Writes a decision back into the case: strategy, segment entry, treatments.
void ApplyDecision(const Decision& decision, absl::CivilDay business_date, CollectionCase* c);

// The wire form of a contact decision (topic arrears.strategy.contact-requests.v1).
v1::ContactRequest ToContactRequest(const CollectionCase& c, const Decision& decision,
                                    const ContactDecision& contact, absl::Time create_time);

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_DECISION_ENGINE_H_
