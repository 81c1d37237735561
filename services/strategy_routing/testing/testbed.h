// Testbed: the strategy routing domain wired on the in-memory case store, for
// unit, table and property tests — the same CaseManager and event applier the
// service runs, with the shipped default strategy, scorecard and roster.
//
// Deliver() plays the exactly-once consumer: it skips events whose ce_id it
// has applied (unless told not to, to test the domain's own replay safety),
// applies the rest in a unit of work, and rolls the store back if Apply
// fails. Outbound events are kept in publication order.
//
// Not thread-safe (tests drive it from one thread).
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_TESTBED_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_TESTBED_H_

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "arrears/strategy/v1/plan_events.pb.h"
#include "common/events/event.h"
#include "common/topics/topics.h"
#include "google/protobuf/message.h"
#include "services/strategy_routing/case_manager.h"
#include "services/strategy_routing/in_memory_case_store.h"
#include "services/strategy_routing/strategy_event_applier.h"
#include "services/strategy_routing/unit_of_work.h"

namespace arrears::strategy::testing {

// Collects enqueued events.
class RecordingOutbox final : public store::OutboxWriter {
 public:
  absl::Status Enqueue(const events::Event& event) override;
  std::vector<events::Event>& events() { return events_; }

 private:
  std::vector<events::Event> events_;
};

struct TestbedOptions {
  std::string strategy_file;   // default: the shipped default strategy
  std::string scorecard_file;  // default: the shipped scorecard
  std::string roster_file;     // default: the shipped roster
  CaseManagerOptions manager;
};

class Testbed final : public UnitOfWork {
 public:
  static absl::StatusOr<std::unique_ptr<Testbed>> Create(TestbedOptions options = {});

  // UnitOfWork on the in-memory store: rollback on error.
  absl::Status Run(UnitOfWorkBody body) override;

  // Applies `event` as the consumer would; `dedupe` = false re-applies an
  // event already applied (to test the domain's replay safety).
  absl::Status Deliver(const events::InboundEvent& event, bool dedupe = true);

  // Every outbound event of committed units of work, in order.
  const std::vector<events::Event>& published() const { return published_; }
  std::vector<v1::ContactRequest> ContactRequests() const;
  std::vector<v1::CaseEvent> CaseEvents() const;
  std::vector<v1::RepaymentPlanEvent> PlanEvents() const;

  std::optional<CaseRecord> OpenCaseOf(const std::string& customer_id);

  CaseManager& manager() { return *manager_; }
  InMemoryCaseStore& store() { return store_; }
  StrategyBook& book() { return *book_; }

 private:
  Testbed() = default;

  InMemoryCaseStore store_;
  std::unique_ptr<StrategyBook> book_;
  std::unique_ptr<Scorecard> scorecard_;
  std::unique_ptr<FieldRoster> roster_;
  std::unique_ptr<CaseManager> manager_;
  std::unique_ptr<StrategyEventApplier> applier_;
  std::set<std::string> applied_ids_;
  std::vector<events::Event> published_;
};

// An inbound event of `topic` as the consumer loop hands it over.
events::InboundEvent Inbound(topics::v1::Topic topic, const std::string& key,
                             const google::protobuf::Message& payload, const std::string& ce_id,
                             absl::Time time);

// The shipped config files.
std::string DefaultStrategyFile();
std::string DefaultScorecardFile();
std::string DefaultRosterFile();

}  // namespace arrears::strategy::testing

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_TESTBED_H_
