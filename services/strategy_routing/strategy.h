// A collection strategy: a versioned, declarative list of segments, each with
// conditions over the case and an ordered treatment path of contact steps.
//
// Contract:
//  - Segments are evaluated in file order; the first whose conditions all hold
//    is the case's segment. An unset condition matches everything.
//  - Ranges are inclusive on both ends ("dpd: {min: 31, max: 60}").
//  - A step is due at `offset_days` after its anchor: the day the case entered
//    the segment (ANCHOR_SEGMENT_ENTRY) or DPD itself (ANCHOR_DPD: due once the
//    case's max DPD reaches offset_days).
//  - Variants split cases by a stable hash of the case id (FNV-1a 64 over the
//    case id bytes, modulo 100): the same case gets the same variant in every
//    process and every version of this code. Percentages sum to 100.
//  - Migration: how cases running an older version of the same strategy id
//    treat this version once it is effective: kKeepVersion (the default:
//    they finish on the version they started with), kMigrateAtNextStep
//    (they switch at their next decision on or after effective_from taken
//    for their own reasons: next step due, DPD boundary, event, command) or
//    kMigrateImmediately (all are decided on effective_from and switch then).
//    Switching keeps the segment, variant and treatment history; steps are
//    matched by segment id and position in the path.
//  - A Strategy is immutable once loaded (see strategy_loader.h); value type,
//    safe to share between threads for reading.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "arrears/common/v1/contact.pb.h"
#include "arrears/strategy/v1/case.pb.h"
#include "common/money/money.h"

namespace arrears::strategy {

// Inclusive integer range; either end may be open.
struct IntRange {
  std::optional<int64_t> min;
  std::optional<int64_t> max;

  bool Contains(int64_t value) const { return (!min || value >= *min) && (!max || value <= *max); }
  friend bool operator==(const IntRange&, const IntRange&) = default;
};

// Conditions of a segment. Every set member must hold.
struct SegmentConditions {
  std::optional<IntRange> dpd;
  // Bucket ordinal range (M1 = 1, M2 = 2, ...).
  std::optional<IntRange> bucket;
  // Product codes; empty = any. Matches when any loan of the case has one.
  std::vector<std::string> products;
  // Total overdue, minor units of the case currency.
  std::optional<IntRange> overdue_minor;
  // Self-cure probability, integer per-mille (0..1000).
  std::optional<IntRange> self_cure_permille;
  // Contactabilities that match; empty = any.
  std::vector<v1::Contactability> contactability;
  std::optional<IntRange> broken_promises;
  std::optional<bool> hardship;
  std::optional<IntRange> prior_complaints;
  std::optional<bool> refusing;
  friend bool operator==(const SegmentConditions&, const SegmentConditions&) = default;
};

enum class StepAnchor { kSegmentEntry, kDpd };

// What a hardship step offers, passed to the template as "plan_offer".
enum class PlanOffer { kNone, kDeferral, kNewSchedule };

// Conditions on one step, checked when it is due; a step whose conditions
// fail is passed over (a later step may still run).
struct StepConditions {
  // Only if the previous treatment of the case got no answer (no outcome
  // yet, no answer, failed, left message).
  bool previous_unanswered = false;
  friend bool operator==(const StepConditions&, const StepConditions&) = default;
};

struct Step {
  std::string id;
  int offset_days = 0;
  StepAnchor anchor = StepAnchor::kSegmentEntry;
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  std::string template_id;
  common::v1::ContactPurpose purpose = common::v1::CONTACT_PURPOSE_COLLECTION;
  // 0..1000, higher first.
  int priority = 0;
  StepConditions conditions;
  // Local contact window, minutes since midnight, [start, end).
  int window_start_minute = 9 * 60;
  int window_end_minute = 20 * 60;
  // The request expires at window end this many days after it is due.
  int valid_days = 0;
  // Runs even while a promise to pay is open (e.g. a promise reminder).
  bool during_promise = false;
  PlanOffer plan_offer = PlanOffer::kNone;
  // Variants this step applies to; empty = all.
  std::vector<std::string> variants;
  friend bool operator==(const Step&, const Step&) = default;
};

struct Segment {
  std::string id;
  std::string description;
  SegmentConditions conditions;
  std::vector<Step> steps;
  friend bool operator==(const Segment&, const Segment&) = default;
};

struct Variant {
  std::string id;
  int percent = 0;
  bool champion = false;
  friend bool operator==(const Variant&, const Variant&) = default;
};

enum class MigrationRule { kKeepVersion, kMigrateAtNextStep, kMigrateImmediately };

// "keep_version", "migrate_at_next_step", "migrate_immediately" (the file
// spelling).
const char* MigrationRuleName(MigrationRule rule);

struct Strategy {
  std::string id;
  int64_t version = 0;
  absl::CivilDay effective_from;
  std::string description;
  // ISO 4217 code the overdue amount conditions are in.
  std::string currency_code;
  std::vector<Segment> segments;
  // Empty = a single implicit "champion" with 100%.
  std::vector<Variant> variants;
  MigrationRule migration = MigrationRule::kKeepVersion;

  // The variant of `case_id`: stable hash bucket 0..99 mapped onto the
  // cumulative percentages in file order.
  std::string AssignVariant(absl::string_view case_id) const;

  // Field by field (a YAML and a textproto file of one strategy load equal).
  friend bool operator==(const Strategy&, const Strategy&) = default;
};

// FNV-1a 64-bit hash of the bytes. Stable forever (variant assignment rests
// on it).
uint64_t Fnv1a64(absl::string_view bytes);

// 0..99 bucket of a case id for variant splits.
int VariantBucket(absl::string_view case_id);

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_H_
