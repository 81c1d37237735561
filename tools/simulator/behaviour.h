// Repayment behaviour: how a simulated customer pays, and the book's mix.
//
// Every loan of a customer follows the customer's behaviour (hardship and
// lost contact are about the person, not the loan):
//   kOnTime      pays every installment on or a few days before the due date
//                (some by direct debit, of which a few bounce and are
//                reversed, then paid again a few days later);
//   kLate        pays in full, a few days after the due date (now and then
//                a few weeks), with the penalty the app shows;
//   kPartial     pays part on the due date and the rest weeks later;
//   kHardship    pays until trouble starts (the onset), then stops; accepts a
//                hardship plan when offered one and pays that on time;
//   kLostContact pays until the onset, then stops and cannot be reached;
//   kRefusing    pays until the onset, then stops and refuses when called;
//                some pay everything months later.
// Pure data and functions; thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_BEHAVIOUR_H_
#define ARREARS_TOOLS_SIMULATOR_BEHAVIOUR_H_

#include <array>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::simulator {

enum class Behaviour {
  kOnTime = 0,
  kLate = 1,
  kPartial = 2,
  kHardship = 3,
  kLostContact = 4,
  kRefusing = 5,
};

inline constexpr int kBehaviourCount = 6;

// "on_time", "late", "partial", "hardship", "lost_contact", "refusing".
absl::string_view BehaviourName(Behaviour behaviour);

// The behaviour named `name` (as BehaviourName spells it); InvalidArgument
// naming the input otherwise.
absl::StatusOr<Behaviour> ParseBehaviour(absl::string_view name);

// Stops paying at some point in the simulation.
bool StopsPaying(Behaviour behaviour);

// Relative weights of the behaviours, indexed by the enum value.
struct BehaviourMix {
  std::array<int, kBehaviourCount> weights = {
      /*on_time=*/720, /*late=*/130,        /*partial=*/50,
      /*hardship=*/40, /*lost_contact=*/25, /*refusing=*/35};

  // "on_time=700,late=150,...": names as BehaviourName spells them, weights
  // >= 0; behaviours not named keep their default. InvalidArgument naming
  // the entry at fault; all weights 0 is an error.
  static absl::StatusOr<BehaviourMix> Parse(absl::string_view text);
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_BEHAVIOUR_H_
