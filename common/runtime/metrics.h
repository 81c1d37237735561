// A small Prometheus metrics registry (prometheus-cpp is not in Debian).
//
//   MetricsRegistry registry;
//   ARREARS_ASSIGN_OR_RETURN(auto* handled, registry.AddCounterFamily(
//       "arrears_events_handled_total", "Events handled, by outcome.", {"topic", "outcome"}));
//   Counter& ok = handled->WithLabels({"loan.events.v1", "ok"});  // look up once
//   ok.Increment();                                              // hot path: one atomic op
//
//   // Values known only at scrape time (e.g. consumer lag per partition):
//   ARREARS_ASSIGN_OR_RETURN(auto registration, registry.AddCollector(
//       {"arrears_kafka_consumer_lag", "Messages behind the high watermark.",
//        {"topic", "partition"}},
//       [&consumer] { return consumer.LagSamples(); }));
//
//   std::string body = registry.RenderPrometheusText();  // GET /metrics
//
// Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* without a leading "__" ("le" is reserved for
// histograms); registration fails with InvalidArgument naming the bad name.
// Registering a family again with the same type, help, labels (and buckets)
// returns the existing one, so independent components may declare the metrics
// they share; any difference is AlreadyExists. Several collectors may share a
// name the same way; their samples are rendered together.
//
// Output follows the text exposition format 0.0.4: families sorted by name,
// each with # HELP and # TYPE, label values escaped, histograms as cumulative
// _bucket{le=...} series ending in le="+Inf" plus _sum and _count.
//
// Thread-safety: all methods are thread-safe. Counter, Gauge and Histogram
// updates are lock-free atomics; WithLabels takes the family's lock, so look
// children up once and keep the reference (children live as long as the
// registry). Collector callbacks run on the scraping thread with the registry
// locked: they must not call into the registry. When a CollectorRegistration
// is destroyed no call of its callback is running or will start; the registry
// must outlive every registration.
#ifndef ARREARS_COMMON_RUNTIME_METRICS_H_
#define ARREARS_COMMON_RUNTIME_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace arrears::runtime {

enum class MetricType { kCounter, kGauge, kHistogram };

// Label values, in the order of the family's label names.
using LabelValues = std::vector<std::string>;

// Monotonic. A negative or NaN increment is ignored: a counter that goes down
// reads as a process restart to Prometheus' rate().
class Counter {
 public:
  void Increment(double amount = 1.0);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void Increment() { Add(1.0); }
  void Decrement() { Add(-1.0); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Fixed buckets given as finite, strictly increasing upper bounds; the
// +Inf bucket is implicit. NaN observations are ignored.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    // Cumulative counts, one per bound plus the +Inf bucket last.
    std::vector<uint64_t> cumulative_counts;
    double sum = 0;
    uint64_t count = 0;  // == cumulative_counts.back()
  };
  // Counts are read bucket by bucket while writers may be running: the
  // snapshot is consistent with itself (count equals the +Inf bucket), and
  // `sum` may lag by the observations in flight.
  Snapshot Read() const;

 private:
  const std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> bucket_counts_;  // per bucket, not cumulative
  std::atomic<double> sum_{0.0};
};

// Buckets for latencies in seconds, 0.5 ms to 10 s.
std::vector<double> DefaultLatencyBuckets();
// start, start*factor, ... (`count` bounds). Requires start > 0, factor > 1.
std::vector<double> ExponentialBuckets(double start, double factor, int count);

namespace metrics_internal {

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}
  virtual ~FamilyBase() = default;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  virtual void AppendSamples(std::string* out) const = 0;

 private:
  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
};

[[noreturn]] void DieOfLabelArity(const std::string& family, size_t expected, size_t got);

void AppendMetricSamples(const FamilyBase& family, const LabelValues& values,
                         const Counter& counter, std::string* out);
void AppendMetricSamples(const FamilyBase& family, const LabelValues& values, const Gauge& gauge,
                         std::string* out);
void AppendMetricSamples(const FamilyBase& family, const LabelValues& values,
                         const Histogram& histogram, std::string* out);

}  // namespace metrics_internal

// The metrics sharing one name, one child per distinct label values.
template <typename Metric>
class Family final : public metrics_internal::FamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         std::function<std::unique_ptr<Metric>()> make)
      : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)),
        make_(std::move(make)) {}

  // The child for `values`, created on first use. The number of values must
  // equal the number of label names: a mismatch is a programming error and
  // aborts the process with a message naming the family.
  Metric& WithLabels(const LabelValues& values) {
    if (values.size() != label_names().size()) {
      metrics_internal::DieOfLabelArity(name(), label_names().size(), values.size());
    }
    absl::MutexLock lock(&mu_);
    std::unique_ptr<Metric>& child = children_[values];
    if (child == nullptr) child = make_();
    return *child;
  }

  void AppendSamples(std::string* out) const override {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [values, metric] : children_) {
      metrics_internal::AppendMetricSamples(*this, values, *metric, out);
    }
  }

 private:
  const std::function<std::unique_ptr<Metric>()> make_;
  mutable absl::Mutex mu_;
  std::map<LabelValues, std::unique_ptr<Metric>> children_ ABSL_GUARDED_BY(mu_);
};

// One sample produced by a collector.
struct CollectedSample {
  LabelValues label_values;
  double value = 0;
};
using Collector = std::function<std::vector<CollectedSample>()>;

struct CollectorSpec {
  std::string name = "";
  std::string help = "";
  std::vector<std::string> label_names = {};
  // kGauge or kCounter (for cumulative totals read from elsewhere).
  MetricType type = MetricType::kGauge;
};

class MetricsRegistry;

// Keeps a collector registered; unregisters it on destruction.
class CollectorRegistration {
 public:
  ~CollectorRegistration();
  CollectorRegistration(const CollectorRegistration&) = delete;
  CollectorRegistration& operator=(const CollectorRegistration&) = delete;

 private:
  friend class MetricsRegistry;
  CollectorRegistration(MetricsRegistry* registry, std::string name, uint64_t id)
      : registry_(registry), name_(std::move(name)), id_(id) {}

  MetricsRegistry* const registry_;
  const std::string name_;
  const uint64_t id_;
};

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  absl::StatusOr<Family<Counter>*> AddCounterFamily(absl::string_view name, absl::string_view help,
                                                    std::vector<std::string> label_names);
  absl::StatusOr<Family<Gauge>*> AddGaugeFamily(absl::string_view name, absl::string_view help,
                                                std::vector<std::string> label_names);
  absl::StatusOr<Family<Histogram>*> AddHistogramFamily(absl::string_view name,
                                                        absl::string_view help,
                                                        std::vector<std::string> label_names,
                                                        const std::vector<double>& upper_bounds);

  // Unlabelled shorthands: the family's single child.
  absl::StatusOr<Counter*> AddCounter(absl::string_view name, absl::string_view help);
  absl::StatusOr<Gauge*> AddGauge(absl::string_view name, absl::string_view help);
  absl::StatusOr<Histogram*> AddHistogram(absl::string_view name, absl::string_view help,
                                          const std::vector<double>& upper_bounds);

  // Samples whose label value count differs from spec.label_names are
  // dropped at render time (a collector cannot abort a scrape).
  absl::StatusOr<std::unique_ptr<CollectorRegistration>> AddCollector(CollectorSpec spec,
                                                                      Collector collector);

  std::string RenderPrometheusText() const;

 private:
  friend class CollectorRegistration;
  struct CollectedFamily;

  template <typename Metric>
  absl::StatusOr<Family<Metric>*> AddFamily(absl::string_view name, absl::string_view help,
                                            MetricType type, std::vector<std::string> label_names,
                                            const std::vector<double>& upper_bounds);
  void RemoveCollector(const std::string& name, uint64_t id);

  mutable absl::Mutex mu_;
  // Keyed by name, so rendering is sorted. An entry is either a Family<M> or
  // a CollectedFamily (the collectors sharing that name).
  std::map<std::string, std::unique_ptr<metrics_internal::FamilyBase>> families_
      ABSL_GUARDED_BY(mu_);
  // Bucket bounds of each histogram family, to tell a compatible
  // re-registration from a conflicting one.
  std::map<std::string, std::vector<double>> histogram_bounds_ ABSL_GUARDED_BY(mu_);
  uint64_t next_collector_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_METRICS_H_
