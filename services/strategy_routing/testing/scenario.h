// Scenario: a seeded, replayable stream of the events the strategy routing
// service consumes, day by day, for property, integration and benchmark runs.
//
// Each customer has one loan that turns delinquent on a start day and then
// follows a behaviour drawn from the seed: cures quickly, pays in part,
// promises (and keeps or breaks it), refuses, loses contact (with contact
// data arriving), disputes, declares hardship, or runs on into M2/M3 (bucket
// crossings at DPD 31 and 61). Snapshots carry exact DPD and amounts, as the
// overdue detection service emits them: on start, amount changes, bucket
// crossings and cure.
//
// Day d's events come after day d-1's; each day starts with a "clock" event
// (an INSTALLMENT_DUE_SOON of a current loan, which moves the business date
// and so runs the agenda) followed by the customers' events, customers in a
// seeded order, each customer's in its own order. Event ids and times are
// deterministic: the same seed gives byte-identical events.
//
// Pure; thread-compatible.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_SCENARIO_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_SCENARIO_H_

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/events/event.h"

namespace arrears::strategy::testing {

struct ScenarioOptions {
  uint64_t seed = 1;
  int customers = 40;
  // Business days 1..days (day 1 = 2026-03-02).
  int days = 45;
  // Include contact and customer events (off: delinquency events only).
  bool outcomes = true;
};

struct ScenarioDay {
  absl::CivilDay date;
  // events[0] is the day's clock event.
  std::vector<events::InboundEvent> events;
};

std::vector<ScenarioDay> GenerateScenario(const ScenarioOptions& options);

// All days' events in order.
std::vector<events::InboundEvent> Flatten(const std::vector<ScenarioDay>& days);

}  // namespace arrears::strategy::testing

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_SCENARIO_H_
