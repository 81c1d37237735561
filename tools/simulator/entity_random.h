// EntityRandom: the random numbers of one simulated entity (a customer, a
// loan, one installment's payment), derived from (seed, stream, index) alone.
//
// Why: the simulated book must come out the same for a seed no matter in
// which order its parts are generated, how large the book is, or what the
// services answer while it runs. Drawing every entity's numbers from its own
// stream, instead of one generator shared by the whole book, gives exactly
// that: customer 17 is the same person in a 100-loan and a 20,000-loan book,
// and re-planning one loan after a restructuring touches no other loan.
//
// The generator is SplitMix64 and the distributions are written out here
// (not <random>'s, whose algorithms differ between standard libraries), so a
// seed yields the same book on every platform. Not thread-safe; cheap to
// create, so make one where it is needed.
#ifndef ARREARS_TOOLS_SIMULATOR_ENTITY_RANDOM_H_
#define ARREARS_TOOLS_SIMULATOR_ENTITY_RANDOM_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace arrears::simulator {

class EntityRandom {
 public:
  // `stream` names what the numbers are for ("customer", "payment"), so two
  // purposes with the same index never share numbers.
  EntityRandom(uint64_t seed, absl::string_view stream, uint64_t index);

  // The next 64 random bits.
  uint64_t Next();

  // Uniform in [low, high] (both inclusive); low <= high.
  int64_t Uniform(int64_t low, int64_t high);

  // Uniform in [0, 1).
  double Unit();

  // True with probability per_mille / 1000.
  bool ChancePerMille(int per_mille);

  // An index into `weights` drawn with probability proportional to its weight
  // (weights >= 0, at least one > 0).
  int Weighted(absl::Span<const int> weights);

  // One element of `items` (non-empty), uniformly.
  template <typename T>
  const T& Pick(absl::Span<const T> items) {
    return items[static_cast<size_t>(Uniform(0, static_cast<int64_t>(items.size()) - 1))];
  }

  // `digits` decimal digits, e.g. "0384" for 4.
  std::string Digits(int digits);

 private:
  uint64_t state_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_ENTITY_RANDOM_H_
