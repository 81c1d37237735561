#include "tools/simulator/behaviour.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace arrears::simulator {

absl::string_view BehaviourName(Behaviour behaviour) {
  switch (behaviour) {
    case Behaviour::kOnTime:
      return "on_time";
    case Behaviour::kLate:
      return "late";
    case Behaviour::kPartial:
      return "partial";
    case Behaviour::kHardship:
      return "hardship";
    case Behaviour::kLostContact:
      return "lost_contact";
    case Behaviour::kRefusing:
      return "refusing";
  }
  return "unknown";
}

absl::StatusOr<Behaviour> ParseBehaviour(absl::string_view name) {
  for (int i = 0; i < kBehaviourCount; ++i) {
    const Behaviour behaviour = static_cast<Behaviour>(i);
    if (BehaviourName(behaviour) == name) return behaviour;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown behaviour \"", name,
                   "\" (expected on_time, late, partial, hardship, lost_contact or refusing)"));
}

bool StopsPaying(Behaviour behaviour) {
  return behaviour == Behaviour::kHardship || behaviour == Behaviour::kLostContact ||
         behaviour == Behaviour::kRefusing;
}

absl::StatusOr<BehaviourMix> BehaviourMix::Parse(absl::string_view text) {
  BehaviourMix mix;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    int weight = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(parts[1]), &weight) ||
        weight < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("behaviour mix: entry \"", entry, "\" is not name=weight (weight >= 0)"));
    }
    absl::StatusOr<Behaviour> behaviour = ParseBehaviour(absl::StripAsciiWhitespace(parts[0]));
    if (!behaviour.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("behaviour mix: ", behaviour.status().message()));
    }
    mix.weights[static_cast<int>(*behaviour)] = weight;
  }
  int total = 0;
  for (int weight : mix.weights) total += weight;
  if (total <= 0) return absl::InvalidArgumentError("behaviour mix: every weight is 0");
  return mix;
}

}  // namespace arrears::simulator
