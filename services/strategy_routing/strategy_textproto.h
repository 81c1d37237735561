// The textproto front-end of the strategy loader: a strategy file in
// protobuf text format (arrears.strategy.v1.StrategyDefinition), parsed with
// google::protobuf::TextFormat and validated by the one strategy validator
// (strategy_loader.h, ParseStrategyDocument).
//
// How: the message is converted field by field into the YAML node tree the
// validator reads (field names are the YAML keys; enum values become their
// names without the enum's prefix, lowercased: CHANNEL_SMS -> "sms",
// STRATEGY_STEP_ANCHOR_DPD -> "dpd", MIGRATION_POLICY_KEEP_VERSION ->
// "keep_version"; unset optional fields and zero enums are left out, so a
// missing required field is reported as in YAML). The validator's errors name
// the field path ("segments[2].steps[0].channel"); their line and column are
// then taken from TextFormat's parse locations of that path (or of its
// deepest enclosing field present in the file). Syntax errors and unknown
// field names come from TextFormat with their line and column.
//
// Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_TEXTPROTO_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_TEXTPROTO_H_

#include "absl/strings/string_view.h"
#include "arrears/strategy/v1/strategy_definition.pb.h"
#include "services/strategy_routing/strategy_loader.h"
#include "yaml-cpp/yaml.h"

namespace arrears::strategy {

// Parses and validates a textproto strategy; never fails as a call.
StrategyParseResult ParseStrategyTextProto(absl::string_view text);

// The validator's view of `definition` (see above).
YAML::Node StrategyDefinitionToDocument(const v1::StrategyDefinition& definition);

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_TEXTPROTO_H_
