#include "tools/simulator/pipeline_latency.h"

#include <string>

#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/topics/topics.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

const absl::Time kClose = absl::FromUnixSeconds(1'800'000'000);
const absl::CivilDay kDay(2026, 3, 2);

events::Event Started(const std::string& customer, absl::CivilDay day) {
  delinquency::v1::DelinquencyEvent event;
  event.set_customer_id(customer);
  event.set_kind(delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED);
  *event.mutable_snapshot()->mutable_business_date() = ToProto(day);
  events::Event wrapped;
  wrapped.topic = topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name();
  event.SerializeToString(&wrapped.payload);
  return wrapped;
}

events::Event Request(const std::string& customer) {
  strategy::v1::ContactRequest request;
  request.set_customer_id(customer);
  events::Event wrapped;
  wrapped.topic = topics::Spec(topics::v1::TOPIC_CONTACT_REQUESTS).name();
  request.SerializeToString(&wrapped.payload);
  return wrapped;
}

TEST(PipelineLatencyTest, MeasuresFromTheCloseToTheFirstRequestOfEachNewDelinquency) {
  PipelineLatency latency;
  latency.OnCloseStarted(kDay, kClose);
  latency.OnEvent(Request("early"), kClose + absl::Milliseconds(1));  // nobody waits yet
  latency.OnEvent(Started("c1", kDay), kClose + absl::Milliseconds(5));
  latency.OnEvent(Started("c2", kDay), kClose + absl::Milliseconds(6));
  latency.OnEvent(Started("c3", kDay), kClose + absl::Milliseconds(7));
  // A delinquency from a day that was not closed here does not count.
  latency.OnEvent(Started("c4", kDay + 1), kClose + absl::Milliseconds(7));
  latency.OnEvent(Request("c1"), kClose + absl::Milliseconds(40));
  latency.OnEvent(Request("c1"), kClose + absl::Milliseconds(90));  // only the first counts
  latency.OnEvent(Request("c2"), kClose + absl::Milliseconds(100));
  const LatencySummary summary = latency.Summary();
  EXPECT_EQ(summary.samples, 2);
  EXPECT_EQ(summary.without_request, 1);  // c3
  EXPECT_EQ(summary.p50, absl::Milliseconds(100));
  EXPECT_EQ(summary.max, absl::Milliseconds(100));
  EXPECT_EQ(summary.p99, absl::Milliseconds(100));
}

TEST(PipelineLatencyTest, EmptySummary) {
  PipelineLatency latency;
  EXPECT_EQ(latency.Summary().samples, 0);
  EXPECT_EQ(latency.Summary().p99, absl::ZeroDuration());
}

}  // namespace
}  // namespace arrears::simulator
