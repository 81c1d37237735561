// Champion/challenger outcome statistics, accumulated per (strategy version,
// variant): cases, cures, cure rate, amount recovered, contacts per cure and
// days to cure.
//
// Contract: integer arithmetic only; rates are in ppm and means in
// thousandths, rounded down, 0 when the denominator is 0 (as in
// arrears.strategy.v1.VariantOutcome). A case counts once even if reported
// opened twice (replays); cures likewise. Money is kept per currency, exact.
//
// Thread-safety: not synchronized; the owner serialises calls.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_VARIANT_STATS_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_VARIANT_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "common/money/money.h"

namespace arrears::strategy {

struct VariantKey {
  int64_t strategy_version = 0;
  std::string variant;

  friend bool operator<(const VariantKey& a, const VariantKey& b) {
    return std::tie(a.strategy_version, a.variant) < std::tie(b.strategy_version, b.variant);
  }
};

struct VariantSummary {
  VariantKey key;
  int64_t case_count = 0;
  int64_t cured_count = 0;
  int64_t cure_rate_ppm = 0;
  // Per currency, sorted by code.
  std::vector<money::Money> amount_recovered;
  int64_t contact_count = 0;
  int64_t contacts_per_cure_milli = 0;
  int64_t mean_days_to_cure_milli = 0;
  int32_t median_days_to_cure = 0;
};

class VariantStats {
 public:
  void OnCaseOpened(const VariantKey& key, const std::string& case_id, absl::CivilDay opened_on);
  void OnContact(const VariantKey& key);
  // InvalidArgument for a negative amount.
  absl::Status OnRepayment(const VariantKey& key, money::Money amount);
  // Ignored for an unknown (never opened) or already cured case.
  void OnCured(const VariantKey& key, const std::string& case_id, absl::CivilDay cured_on);

  // Ordered by version, then variant.
  std::vector<VariantSummary> Summaries() const;
  // `champion_variant` marks the champion in the proto rows.
  std::vector<v1::VariantOutcome> ToProto(const std::string& champion_variant) const;

 private:
  struct Accumulator {
    absl::flat_hash_map<std::string, absl::CivilDay> open_cases;
    absl::flat_hash_set<std::string> cured_cases;
    std::vector<int64_t> days_to_cure;
    std::map<std::string, int64_t> recovered_minor;  // by currency code
    int64_t contact_count = 0;
  };
  std::map<VariantKey, Accumulator> by_variant_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_VARIANT_STATS_H_
