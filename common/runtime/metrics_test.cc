#include "common/runtime/metrics.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::runtime {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsRegistryTest, RendersCountersAndGaugesInTextFormat) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(Family<Counter> * handled,
                       registry.AddCounterFamily("arrears_events_handled_total", "Events handled.",
                                                 {"topic", "outcome"}));
  handled->WithLabels({"loan.events.v1", "ok"}).Increment();
  handled->WithLabels({"loan.events.v1", "ok"}).Increment(2);
  handled->WithLabels({"loan.events.v1", "dlq"}).Increment();
  ASSERT_OK_AND_ASSIGN(Gauge * in_flight, registry.AddGauge("arrears_in_flight", "In flight."));
  in_flight->Set(2.5);

  EXPECT_EQ(registry.RenderPrometheusText(),
            "# HELP arrears_events_handled_total Events handled.\n"
            "# TYPE arrears_events_handled_total counter\n"
            "arrears_events_handled_total{topic=\"loan.events.v1\",outcome=\"dlq\"} 1\n"
            "arrears_events_handled_total{topic=\"loan.events.v1\",outcome=\"ok\"} 3\n"
            "# HELP arrears_in_flight In flight.\n"
            "# TYPE arrears_in_flight gauge\n"
            "arrears_in_flight 2.5\n");
}

TEST(MetricsRegistryTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(Family<Gauge> * family,
                       registry.AddGaugeFamily("g", "Line one\nback\\slash", {"path"}));
  family->WithLabels({"C:\\dir \"quoted\"\nnext"}).Set(1);
  EXPECT_EQ(registry.RenderPrometheusText(),
            "# HELP g Line one\\nback\\\\slash\n"
            "# TYPE g gauge\n"
            "g{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 1\n");
}

TEST(MetricsRegistryTest, RendersHistogramBucketsCumulatively) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(
      Family<Histogram> * family,
      registry.AddHistogramFamily("latency_seconds", "Latency.", {"method"}, {0.25, 0.5, 1}));
  Histogram& h = family->WithLabels({"Get"});
  h.Observe(0.125);
  h.Observe(0.25);  // upper bounds are inclusive
  h.Observe(0.75);
  h.Observe(3);
  EXPECT_EQ(registry.RenderPrometheusText(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.25\"} 2\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.5\"} 2\n"
            "latency_seconds_bucket{method=\"Get\",le=\"1\"} 3\n"
            "latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{method=\"Get\"} 4.125\n"
            "latency_seconds_count{method=\"Get\"} 4\n");
}

TEST(MetricsRegistryTest, ValidatesNames) {
  MetricsRegistry registry;
  EXPECT_THAT(registry.AddCounter("9lives", "h"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("9lives")));
  EXPECT_THAT(registry.AddCounter("has-dash", "h"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddCounterFamily("ok_total", "h", {"__reserved"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("__reserved")));
  EXPECT_THAT(registry.AddCounterFamily("ok_total", "h", {"a", "a"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("repeated")));
  EXPECT_THAT(registry.AddHistogramFamily("h_seconds", "h", {"le"}, {1}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("le")));
  EXPECT_THAT(registry.AddHistogram("h_seconds", "h", {1, 1}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("increasing")));
  EXPECT_THAT(registry.AddCounter("namespace:rule_total", "h"), IsOk());
}

TEST(MetricsRegistryTest, SameDefinitionReturnsTheSameFamily) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(Counter * a, registry.AddCounter("c_total", "help"));
  ASSERT_OK_AND_ASSIGN(Counter * b, registry.AddCounter("c_total", "help"));
  EXPECT_EQ(a, b);
  EXPECT_THAT(registry.AddCounter("c_total", "other help"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(registry.AddGauge("c_total", "help"), StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(Histogram * h1, registry.AddHistogram("h", "help", {1, 2}));
  ASSERT_OK_AND_ASSIGN(Histogram * h2, registry.AddHistogram("h", "help", {1, 2}));
  EXPECT_EQ(h1, h2);
  EXPECT_THAT(registry.AddHistogram("h", "help", {1, 3}),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(MetricsRegistryTest, CounterIgnoresNegativeIncrements) {
  Counter counter;
  counter.Increment(2);
  counter.Increment(-1);
  EXPECT_EQ(counter.Value(), 2);
}

TEST(MetricsRegistryTest, CollectorsProduceSamplesAtScrapeTime) {
  MetricsRegistry registry;
  std::vector<CollectedSample> lag = {{{"loan.events.v1", "0"}, 5}, {{"loan.events.v1", "1"}, 0}};
  CollectorSpec spec{"arrears_kafka_consumer_lag", "Messages behind.", {"topic", "partition"}};
  ASSERT_OK_AND_ASSIGN(auto first, registry.AddCollector(spec, [&lag] { return lag; }));
  // A second consumer shares the family.
  ASSERT_OK_AND_ASSIGN(auto second, registry.AddCollector(spec, [] {
    return std::vector<CollectedSample>{{{"contact.events.v1", "3"}, 7},
                                        {{"wrong arity"}, 1}};  // dropped
  }));
  const std::string text = registry.RenderPrometheusText();
  EXPECT_EQ(text,
            "# HELP arrears_kafka_consumer_lag Messages behind.\n"
            "# TYPE arrears_kafka_consumer_lag gauge\n"
            "arrears_kafka_consumer_lag{topic=\"loan.events.v1\",partition=\"0\"} 5\n"
            "arrears_kafka_consumer_lag{topic=\"loan.events.v1\",partition=\"1\"} 0\n"
            "arrears_kafka_consumer_lag{topic=\"contact.events.v1\",partition=\"3\"} 7\n");

  lag[0].value = 42;
  EXPECT_THAT(registry.RenderPrometheusText(), HasSubstr("partition=\"0\"} 42\n"));

  second.reset();
  EXPECT_THAT(registry.RenderPrometheusText(), Not(HasSubstr("contact.events.v1")));
  first.reset();
  EXPECT_EQ(registry.RenderPrometheusText(), "");

  spec.help = "different";
  EXPECT_THAT(registry.AddCollector(spec, [] { return std::vector<CollectedSample>{}; }),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(MetricsRegistryTest, FormatsSpecialValues) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(Family<Gauge> * g, registry.AddGaugeFamily("g", "h", {"v"}));
  g->WithLabels({"inf"}).Set(std::numeric_limits<double>::infinity());
  g->WithLabels({"nan"}).Set(std::nan(""));
  g->WithLabels({"small"}).Set(1e-7);
  g->WithLabels({"big"}).Set(1e20);
  g->WithLabels({"negative"}).Set(-3);
  const std::string text = registry.RenderPrometheusText();
  EXPECT_THAT(text, HasSubstr("g{v=\"inf\"} +Inf\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"nan\"} NaN\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"small\"} 1e-07\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"big\"} 1e+20\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"negative\"} -3\n"));
}

TEST(MetricsRegistryTest, ConcurrentIncrementsAreNotLost) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(Family<Counter> * family, registry.AddCounterFamily("c_total", "h", {"k"}));
  ASSERT_OK_AND_ASSIGN(Histogram * histogram, registry.AddHistogram("h", "h", {1}));
  constexpr int kThreads = 4;
  constexpr int kIncrements = 20000;
  constexpr uint64_t kTotal = uint64_t{kThreads} * kIncrements;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Counter& counter = family->WithLabels({"x"});
      for (int i = 0; i < kIncrements; ++i) {
        counter.Increment();
        histogram->Observe(0.5);
      }
    });
  }
  std::thread scraper([&] {
    for (int i = 0; i < 50; ++i) registry.RenderPrometheusText();
  });
  for (std::thread& thread : threads) thread.join();
  scraper.join();
  EXPECT_EQ(family->WithLabels({"x"}).Value(), kTotal);
  Histogram::Snapshot snapshot = histogram->Read();
  EXPECT_EQ(snapshot.count, kTotal);
  EXPECT_THAT(snapshot.cumulative_counts, ElementsAre(kTotal, kTotal));
  EXPECT_EQ(snapshot.sum, 0.5 * kTotal);
}

TEST(MetricsRegistryDeathTest, WrongLabelCountAborts) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(Family<Counter> * family, registry.AddCounterFamily("c_total", "h", {"k"}));
  EXPECT_DEATH(family->WithLabels({"a", "b"}), "c_total");
}

TEST(BucketsTest, Exponential) {
  EXPECT_THAT(ExponentialBuckets(1, 2, 4), ElementsAre(1, 2, 4, 8));
  EXPECT_THAT(DefaultLatencyBuckets().front(), 0.0005);
}

}  // namespace
}  // namespace arrears::runtime
