// StrategyEventApplier: the consumer side of the strategy routing service.
// ServiceHost's exactly-once processor calls it for every new event of the
// topics it consumes (group "strategy-routing"):
//   arrears.delinquency.events.v1  DelinquencyEvent, key loan_id
//   arrears.contact.events.v1      ContactEvent,     key customer_id
//   arrears.customer.events.v1     CustomerEvent,    key customer_id
// It decodes the payload, checks the key against the payload, and hands the
// event with its Cause (ce_id, ce_time, traceparent) to the CaseManager,
// which changes the case and enqueues outbound events in the same
// transaction.
//
// Errors: an undecodable payload, a key that is not the payload's id, an
// unknown topic, or an event the manager rejects as invalid come back as
// InvalidArgument naming the field, so the consumer loop dead-letters them;
// store failures keep their (retryable) codes.
//
// Thread-safety: as CaseManager (stateless itself).
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_EVENT_APPLIER_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_EVENT_APPLIER_H_

#include <string>
#include <vector>

#include "common/store/event_applier.h"
#include "services/strategy_routing/case_manager.h"

namespace arrears::strategy {

class StrategyEventApplier final : public store::EventApplier {
 public:
  // `manager` must outlive the applier.
  explicit StrategyEventApplier(CaseManager* manager) : manager_(manager) {}

  // The topics to subscribe the applier's consumer to.
  static std::vector<std::string> Topics();

  absl::Status Apply(const events::InboundEvent& event, store::Transaction& txn,
                     store::OutboxWriter& outbox) override;

 private:
  CaseManager* const manager_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_EVENT_APPLIER_H_
