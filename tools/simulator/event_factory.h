// EventFactory: turns the simulated loan system's and CRM's messages into
// events::Event values as they travel on Kafka: topic and key as
// proto/arrears/topics/v1/topics.proto says (loan events keyed by loan id,
// customer events by customer id), the payload serialized, and a CloudEvents
// envelope whose id is derived, not drawn:
//
//   ce_id = ids::DeriveTimeOrderedId("arrears-simulator/<seed>",
//                                    "<loan_id>/<loan_sequence>", occurred_at)
//   (customer events: "<customer_id>/customer/<n>")
//
// so a run with the same seed publishes the same ids (consumers dedupe a
// re-publication) and ids sort by time. Thread-safe (immutable).
#ifndef ARREARS_TOOLS_SIMULATOR_EVENT_FACTORY_H_
#define ARREARS_TOOLS_SIMULATOR_EVENT_FACTORY_H_

#include <cstdint>
#include <string>

#include "arrears/customer/v1/customer_events.pb.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "common/events/event.h"

namespace arrears::simulator {

class EventFactory {
 public:
  explicit EventFactory(uint64_t seed, std::string loan_source = "//loan-system/simulator",
                        std::string crm_source = "//crm/simulator");

  // `event` has loan_id, loan_sequence and occurred_at set.
  events::Event FromLoanEvent(const loan::v1::LoanEvent& event) const;
  // `customer_sequence` numbers the customer's events from 1.
  events::Event FromCustomerEvent(const customer::v1::CustomerEvent& event,
                                  int64_t customer_sequence) const;

 private:
  std::string namespace_id_;
  std::string loan_source_;
  std::string crm_source_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_EVENT_FACTORY_H_
