// Loads and validates a strategy file (YAML). Every problem is reported with
// its line, column and field path, all at once, so an author fixes a file in
// one round trip (PutStrategy returns them as StrategyValidationError).
//
// File shape (see config/default_strategy.yaml):
//   strategy: <id>            version: <int >= 1>     effective_from: YYYY-MM-DD
//   currency: <ISO 4217>      description: <text>
//   variants: [{id, percent, champion}]   (optional; percentages sum to 100,
//                                          exactly one champion)
//   segments: [{id, description, conditions: {...}, steps: [{...}]}]
//   migration: keep_version | migrate_immediately   (optional; see strategy.h)
// Condition keys: dpd, bucket, overdue_minor, self_cure_permille,
// broken_promises, prior_complaints ({min, max}); products, contactability
// (lists); hardship, refusing (bools).
// Step keys: id, offset_days, anchor (segment_entry | dpd), channel
// (arrears.common.v1.Channel name with or without "CHANNEL_"), template,
// purpose (ContactPurpose name), priority (0..1000), window {start, end}
// ("HH:MM"), valid_days, during_promise, plan_offer (deferral |
// new_schedule), only_if_previous_unanswered, variants (list).
//
// Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_LOADER_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_LOADER_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/strategy_routing/strategy.h"
#include "services/strategy_routing/yaml_util.h"

namespace arrears::strategy {

struct StrategyParseResult {
  // Set iff `errors` is empty.
  std::optional<Strategy> strategy;
  std::vector<ConfigError> errors;
};

// Parses and validates; never fails as a call, problems are in `errors`.
StrategyParseResult ParseStrategy(absl::string_view yaml);

// ParseStrategy as a StatusOr: InvalidArgument listing every error.
absl::StatusOr<Strategy> LoadStrategy(absl::string_view yaml);

// Reads the file at `path` and loads it; NotFound when unreadable.
absl::StatusOr<Strategy> LoadStrategyFile(const std::string& path);

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_LOADER_H_
