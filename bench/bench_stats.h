// Small statistics the benchmarks share when they judge a target over
// several interleaved rounds (a single round on a shared 2-core machine
// moves with whatever else runs; the median of rounds does not).
#ifndef ARREARS_BENCH_BENCH_STATS_H_
#define ARREARS_BENCH_BENCH_STATS_H_

#include <algorithm>
#include <vector>

namespace arrears::bench {

// The median of `values`; 0 when there are none.
inline double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

}  // namespace arrears::bench

#endif  // ARREARS_BENCH_BENCH_STATS_H_
