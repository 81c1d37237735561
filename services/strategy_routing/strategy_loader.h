// Loads and validates a strategy file, YAML or textproto (the same fields
// under the same names as arrears.strategy.v1.StrategyDefinition; see
// strategy_textproto.h and config/default_strategy.textproto). Every problem is reported with
// its line, column and field path, all at once, so an author fixes a file in
// one round trip (PutStrategy returns them as StrategyValidationError).
//
// File shape (see config/default_strategy.yaml):
//   strategy: <id>            version: <int >= 1>     effective_from: YYYY-MM-DD
//   currency: <ISO 4217>      description: <text>
//   variants: [{id, percent, champion}]   (optional; percentages sum to 100,
//                                          exactly one champion)
//   segments: [{id, description, conditions: {...}, steps: [{...}]}]
//   migration: keep_version | migrate_at_next_step | migrate_immediately
//              (optional; see strategy.h)
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
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "services/strategy_routing/strategy.h"
#include "services/strategy_routing/yaml_util.h"

namespace arrears::strategy {

struct StrategyParseResult {
  // Set iff `errors` is empty.
  std::optional<Strategy> strategy;
  std::vector<ConfigError> errors;
};

// Parses and validates a source in `format` (UNSPECIFIED: detected, see
// DetectStrategyFormat); never fails as a call, problems are in `errors`.
StrategyParseResult ParseStrategy(absl::string_view source,
                                  v1::StrategyFormat format = v1::STRATEGY_FORMAT_UNSPECIFIED);

// ParseStrategy as a StatusOr: InvalidArgument listing every error.
absl::StatusOr<Strategy> LoadStrategy(absl::string_view source,
                                      v1::StrategyFormat format = v1::STRATEGY_FORMAT_UNSPECIFIED);

// Reads the file at `path` and loads it in the format its name says
// (StrategyFormatForPath); NotFound when unreadable.
absl::StatusOr<Strategy> LoadStrategyFile(const std::string& path);

// The validator both formats share: a strategy document as a YAML node tree
// (parsed from YAML, or converted from a StrategyDefinition). Errors carry
// the nodes' line and column (0 for nodes built in memory).
StrategyParseResult ParseStrategyDocument(const YAML::Node& doc);

// TEXTPROTO when the source has a "# proto-message:" / "# proto-file:"
// header line or a message block line ("segments {"), which YAML has no
// form for; YAML otherwise.
v1::StrategyFormat DetectStrategyFormat(absl::string_view source);
// TEXTPROTO for names ending in .textproto, .txtpb or .pbtxt; YAML otherwise.
v1::StrategyFormat StrategyFormatForPath(absl::string_view path);

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_LOADER_H_
