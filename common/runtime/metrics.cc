#include "common/runtime/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status_macros.h"

namespace arrears::runtime {
namespace {

using metrics_internal::FamilyBase;

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool IsValidName(absl::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || (allow_colon && c == ':') ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

absl::Status ValidateFamily(absl::string_view name, const std::vector<std::string>& label_names,
                            MetricType type) {
  if (!IsValidName(name, /*allow_colon=*/true)) {
    return absl::InvalidArgumentError(absl::StrCat("metric name \"", name, "\" is invalid"));
  }
  std::set<absl::string_view> seen;
  for (const std::string& label : label_names) {
    if (!IsValidName(label, /*allow_colon=*/false) || absl::StartsWith(label, "__")) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": label name \"", label, "\" is invalid"));
    }
    if (type == MetricType::kHistogram && label == "le") {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": label name \"le\" is reserved for histogram buckets"));
    }
    if (!seen.insert(label).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": label name \"", label, "\" is repeated"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateBounds(absl::string_view name, const std::vector<double>& bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": bucket bounds must be finite and strictly increasing"));
    }
  }
  return absl::OkStatus();
}

// Prometheus float syntax: integers without a fraction, otherwise the
// shortest text that round-trips.
void AppendValue(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    absl::StrAppend(out, static_cast<int64_t>(value));
  } else {
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out->append(buffer, result.ptr);
  }
}

void AppendEscaped(absl::string_view text, bool escape_quotes, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && escape_quotes) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// name{l1="v1",l2="v2"[,le="x"]} value\n
void AppendSample(absl::string_view name, absl::string_view suffix,
                  const std::vector<std::string>& label_names, const LabelValues& values,
                  const std::string* le, double value, std::string* out) {
  absl::StrAppend(out, name, suffix);
  if (!label_names.empty() || le != nullptr) {
    out->push_back('{');
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) out->push_back(',');
      absl::StrAppend(out, label_names[i], "=\"");
      AppendEscaped(values[i], /*escape_quotes=*/true, out);
      out->push_back('"');
    }
    if (le != nullptr) {
      if (!label_names.empty()) out->push_back(',');
      absl::StrAppend(out, "le=\"", *le, "\"");
    }
    out->push_back('}');
  }
  out->push_back(' ');
  AppendValue(value, out);
  out->push_back('\n');
}

}  // namespace

// The collectors registered under one name. Its collector list is guarded by
// the registry's mutex, which is held (at least shared) around every use.
struct MetricsRegistry::CollectedFamily final : public FamilyBase {
  using FamilyBase::FamilyBase;

  void AppendSamples(std::string* out) const override {
    for (const auto& [id, collect] : collectors) {
      for (const CollectedSample& sample : collect()) {
        if (sample.label_values.size() != label_names().size()) continue;
        AppendSample(name(), "", label_names(), sample.label_values, nullptr, sample.value, out);
      }
    }
  }

  std::vector<std::pair<uint64_t, Collector>> collectors;
};

void Counter::Increment(double amount) {
  if (!(amount >= 0)) return;  // also rejects NaN
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      bucket_counts_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) bucket_counts_[i].store(0);
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // Bucket i counts values in (bound[i-1], bound[i]]; the last one is +Inf.
  const size_t bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  bucket_counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.upper_bounds = upper_bounds_;
  snapshot.cumulative_counts.reserve(upper_bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    running += bucket_counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> bounds;
  double bound = start;
  for (int i = 0; i < count; ++i) {
    bounds.push_back(bound);
    bound *= factor;
  }
  return bounds;
}

namespace metrics_internal {

void DieOfLabelArity(const std::string& family, size_t expected, size_t got) {
  std::fprintf(stderr, "metric %s: WithLabels got %zu label values, the family has %zu labels\n",
               family.c_str(), got, expected);
  std::abort();
}

void AppendMetricSamples(const FamilyBase& family, const LabelValues& values,
                         const Counter& counter, std::string* out) {
  AppendSample(family.name(), "", family.label_names(), values, nullptr, counter.Value(), out);
}

void AppendMetricSamples(const FamilyBase& family, const LabelValues& values, const Gauge& gauge,
                         std::string* out) {
  AppendSample(family.name(), "", family.label_names(), values, nullptr, gauge.Value(), out);
}

void AppendMetricSamples(const FamilyBase& family, const LabelValues& values,
                         const Histogram& histogram, std::string* out) {
  const Histogram::Snapshot snapshot = histogram.Read();
  std::string le;
  for (size_t i = 0; i < snapshot.cumulative_counts.size(); ++i) {
    le.clear();
    if (i < snapshot.upper_bounds.size()) {
      AppendValue(snapshot.upper_bounds[i], &le);
    } else {
      le = "+Inf";
    }
    AppendSample(family.name(), "_bucket", family.label_names(), values, &le,
                 static_cast<double>(snapshot.cumulative_counts[i]), out);
  }
  AppendSample(family.name(), "_sum", family.label_names(), values, nullptr, snapshot.sum, out);
  AppendSample(family.name(), "_count", family.label_names(), values, nullptr,
               static_cast<double>(snapshot.count), out);
}

}  // namespace metrics_internal

CollectorRegistration::~CollectorRegistration() { registry_->RemoveCollector(name_, id_); }

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

template <typename Metric>
absl::StatusOr<Family<Metric>*> MetricsRegistry::AddFamily(
    absl::string_view name, absl::string_view help, MetricType type,
    std::vector<std::string> label_names, const std::vector<double>& upper_bounds) {
  ARREARS_RETURN_IF_ERROR(ValidateFamily(name, label_names, type));
  if (type == MetricType::kHistogram) ARREARS_RETURN_IF_ERROR(ValidateBounds(name, upper_bounds));
  absl::MutexLock lock(&mu_);
  const std::string key(name);
  auto it = families_.find(key);
  if (it != families_.end()) {
    auto* existing = dynamic_cast<Family<Metric>*>(it->second.get());
    const bool same = existing != nullptr && existing->help() == help &&
                      existing->label_names() == label_names &&
                      (type != MetricType::kHistogram || histogram_bounds_[key] == upper_bounds);
    if (!same) {
      return absl::AlreadyExistsError(
          absl::StrCat("metric ", name, " is already registered with another definition"));
    }
    return existing;
  }
  std::function<std::unique_ptr<Metric>()> make;
  if constexpr (std::is_same_v<Metric, Histogram>) {
    histogram_bounds_[key] = upper_bounds;
    make = [upper_bounds] { return std::make_unique<Histogram>(upper_bounds); };
  } else {
    make = [] { return std::make_unique<Metric>(); };
  }
  auto family = std::make_unique<Family<Metric>>(key, std::string(help), type,
                                                 std::move(label_names), std::move(make));
  Family<Metric>* result = family.get();
  families_.emplace(key, std::move(family));
  return result;
}

absl::StatusOr<Family<Counter>*> MetricsRegistry::AddCounterFamily(
    absl::string_view name, absl::string_view help, std::vector<std::string> label_names) {
  return AddFamily<Counter>(name, help, MetricType::kCounter, std::move(label_names), {});
}

absl::StatusOr<Family<Gauge>*> MetricsRegistry::AddGaugeFamily(
    absl::string_view name, absl::string_view help, std::vector<std::string> label_names) {
  return AddFamily<Gauge>(name, help, MetricType::kGauge, std::move(label_names), {});
}

absl::StatusOr<Family<Histogram>*> MetricsRegistry::AddHistogramFamily(
    absl::string_view name, absl::string_view help, std::vector<std::string> label_names,
    const std::vector<double>& upper_bounds) {
  return AddFamily<Histogram>(name, help, MetricType::kHistogram, std::move(label_names),
                              upper_bounds);
}

absl::StatusOr<Counter*> MetricsRegistry::AddCounter(absl::string_view name,
                                                     absl::string_view help) {
  ARREARS_ASSIGN_OR_RETURN(Family<Counter> * family, AddCounterFamily(name, help, {}));
  return &family->WithLabels({});
}

absl::StatusOr<Gauge*> MetricsRegistry::AddGauge(absl::string_view name, absl::string_view help) {
  ARREARS_ASSIGN_OR_RETURN(Family<Gauge> * family, AddGaugeFamily(name, help, {}));
  return &family->WithLabels({});
}

absl::StatusOr<Histogram*> MetricsRegistry::AddHistogram(absl::string_view name,
                                                         absl::string_view help,
                                                         const std::vector<double>& upper_bounds) {
  ARREARS_ASSIGN_OR_RETURN(Family<Histogram> * family,
                           AddHistogramFamily(name, help, {}, upper_bounds));
  return &family->WithLabels({});
}

absl::StatusOr<std::unique_ptr<CollectorRegistration>> MetricsRegistry::AddCollector(
    CollectorSpec spec, Collector collector) {
  if (spec.type != MetricType::kGauge && spec.type != MetricType::kCounter) {
    return absl::InvalidArgumentError(
        absl::StrCat("collector ", spec.name, ": type must be gauge or counter"));
  }
  ARREARS_RETURN_IF_ERROR(ValidateFamily(spec.name, spec.label_names, spec.type));
  absl::MutexLock lock(&mu_);
  auto it = families_.find(spec.name);
  CollectedFamily* family = nullptr;
  if (it == families_.end()) {
    auto created =
        std::make_unique<CollectedFamily>(spec.name, spec.help, spec.type, spec.label_names);
    family = created.get();
    families_.emplace(spec.name, std::move(created));
  } else {
    family = dynamic_cast<CollectedFamily*>(it->second.get());
    if (family == nullptr || family->help() != spec.help || family->type() != spec.type ||
        family->label_names() != spec.label_names) {
      return absl::AlreadyExistsError(
          absl::StrCat("metric ", spec.name, " is already registered with another definition"));
    }
  }
  const uint64_t id = next_collector_id_++;
  family->collectors.emplace_back(id, std::move(collector));
  return std::unique_ptr<CollectorRegistration>(
      new CollectorRegistration(this, std::move(spec.name), id));
}

void MetricsRegistry::RemoveCollector(const std::string& name, uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  auto* family = dynamic_cast<CollectedFamily*>(it->second.get());
  if (family == nullptr) return;
  std::erase_if(family->collectors, [id](const auto& entry) { return entry.first == id; });
  // The family stays (without collectors it renders nothing) so that a later
  // registration under the same name meets the same definition check.
}

std::string MetricsRegistry::RenderPrometheusText() const {
  std::string out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [name, family] : families_) {
    std::string samples;
    family->AppendSamples(&samples);
    // A family with nothing to show (no children yet, or collectors gone) is
    // left out rather than announced without samples.
    if (samples.empty()) continue;
    absl::StrAppend(&out, "# HELP ", name, " ");
    AppendEscaped(family->help(), /*escape_quotes=*/false, &out);
    absl::StrAppend(&out, "\n# TYPE ", name, " ", TypeName(family->type()), "\n", samples);
  }
  return out;
}

}  // namespace arrears::runtime
