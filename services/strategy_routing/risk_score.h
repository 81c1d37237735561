// A transparent logistic scorecard giving a case's probability of self-cure
// (paying without intervention), used in segment conditions and to order work
// queues by expected recovery.
//
//   logit = intercept + w_dpd(bin) + w_overdue(bin) + w_broken(bin)
//           + w_contactability + w_product
//   p(self cure) = 1 / (1 + exp(-logit))
//
// Each numeric feature is binned: bins are listed by ascending inclusive
// `max`, the last without `max` catches the rest. Weights are per bin (a
// points table), so every score can be explained by listing the five
// weights that made it.
//
// Floating point: the logistic is computed in double ONLY here, for the
// probability, and rounded once to integer parts per million (half away from
// zero), so the stored score and every decision on it are integers. Money
// never goes through floating point: expected recovery is
// total_overdue * (1'000'000 - p_ppm) / 1'000'000 in exact integer
// arithmetic, rounded down.
//
// Thread-safety: immutable after Create(); Score() is const and thread-safe.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_RISK_SCORE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_RISK_SCORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/strategy_routing/collection_case.h"
#include "services/strategy_routing/yaml_util.h"

namespace arrears::strategy {

struct ScoreInput {
  int dpd = 0;
  int64_t overdue_minor = 0;
  int broken_promises = 0;
  v1::Contactability contactability = v1::CONTACTABILITY_UNKNOWN;
  std::string product_code;

  static ScoreInput FromCase(const CollectionCase& c);
};

struct RiskScore {
  // 0..1'000'000.
  int32_t self_cure_ppm = 0;
  // 0..1000, self_cure_ppm / 1000 rounded half up (for strategy conditions).
  int32_t self_cure_permille = 0;
  // Minor units of the case currency, exact.
  int64_t expected_recovery_minor = 0;
  // Sum of the weights (for explanations).
  double logit = 0;
};

class Scorecard {
 public:
  struct Bin {
    // Inclusive upper bound; unset for the last (catch-all) bin.
    std::optional<int64_t> max;
    double weight = 0;
  };

  // Loads from YAML (keys: scorecard, intercept, features: {dpd,
  // overdue_minor, broken_promises: [bins]; contactability, product:
  // {NAME: weight, default: weight}}). InvalidArgument with line/field.
  static absl::StatusOr<std::unique_ptr<Scorecard>> Create(absl::string_view yaml);

  RiskScore Score(const ScoreInput& input) const;
  // The same from a case's current state; expected recovery from its total
  // overdue.
  RiskScore Score(const CollectionCase& c) const { return Score(ScoreInput::FromCase(c)); }

  const std::string& id() const { return id_; }

  // DPD values at which the score's DPD weight changes (each bin's max + 1),
  // so the agenda can re-score a case when its DPD crosses one.
  std::vector<int> DpdBoundaries() const;

 private:
  Scorecard() = default;
  static double BinWeight(const std::vector<Bin>& bins, int64_t value);

  std::string id_;
  double intercept_ = 0;
  std::vector<Bin> dpd_bins_;
  std::vector<Bin> overdue_bins_;
  std::vector<Bin> broken_promise_bins_;
  absl::flat_hash_map<int, double> contactability_weights_;
  absl::flat_hash_map<std::string, double> product_weights_;
  double default_product_weight_ = 0;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_RISK_SCORE_H_
