#include "services/strategy_routing/strategy.h"

namespace arrears::strategy {

const char* MigrationRuleName(MigrationRule rule) {
  switch (rule) {
    case MigrationRule::kKeepVersion:
      return "keep_version";
    case MigrationRule::kMigrateAtNextStep:
      return "migrate_at_next_step";
    case MigrationRule::kMigrateImmediately:
      return "migrate_immediately";
  }
  return "keep_version";
}

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

int VariantBucket(absl::string_view case_id) { return static_cast<int>(Fnv1a64(case_id) % 100); }

std::string Strategy::AssignVariant(absl::string_view case_id) const {
  if (variants.empty()) return "champion";
  const int bucket = VariantBucket(case_id);
  int cumulative = 0;
  for (const Variant& variant : variants) {
    cumulative += variant.percent;
    if (bucket < cumulative) return variant.id;
  }
  // Unreachable for a validated strategy (percentages sum to 100).
  return variants.back().id;
}

}  // namespace arrears::strategy
