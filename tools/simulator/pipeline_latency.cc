#include "tools/simulator/pipeline_latency.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/strategy/v1/contact_request.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/topics/topics.h"

namespace arrears::simulator {
namespace {

absl::Duration Percentile(const std::vector<absl::Duration>& sorted, double fraction) {
  if (sorted.empty()) return absl::ZeroDuration();
  const size_t index = static_cast<size_t>(fraction * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

void PipelineLatency::OnCloseStarted(absl::CivilDay day, absl::Time wall) {
  absl::MutexLock lock(&mu_);
  close_started_.emplace(day, wall);
}

void PipelineLatency::OnEvent(const events::Event& event, absl::Time wall) {
  static const std::string& delinquency_topic =
      topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name();
  static const std::string& request_topic = topics::Spec(topics::v1::TOPIC_CONTACT_REQUESTS).name();
  if (event.topic == delinquency_topic) {
    delinquency::v1::DelinquencyEvent delinquency;
    if (!delinquency.ParseFromString(event.payload) ||
        delinquency.kind() != delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED) {
      return;
    }
    absl::StatusOr<absl::CivilDay> day =
        CivilDayFromProto(delinquency.snapshot().business_date(), "business_date");
    absl::MutexLock lock(&mu_);
    if (!day.ok()) return;
    auto close = close_started_.find(*day);
    if (close == close_started_.end()) return;  // not made delinquent by a close
    waiting_.emplace(delinquency.customer_id(), close->second);
  } else if (event.topic == request_topic) {
    strategy::v1::ContactRequest request;
    if (!request.ParseFromString(event.payload)) return;
    absl::MutexLock lock(&mu_);
    auto it = waiting_.find(request.customer_id());
    if (it == waiting_.end()) return;
    latencies_.push_back(std::max(wall - it->second, absl::ZeroDuration()));
    waiting_.erase(it);
  }
}

LatencySummary PipelineLatency::Summary() const {
  absl::MutexLock lock(&mu_);
  std::vector<absl::Duration> sorted = latencies_;
  std::sort(sorted.begin(), sorted.end());
  LatencySummary summary;
  summary.samples = static_cast<int64_t>(sorted.size());
  summary.without_request = static_cast<int64_t>(waiting_.size());
  summary.p50 = Percentile(sorted, 0.50);
  summary.p90 = Percentile(sorted, 0.90);
  summary.p99 = Percentile(sorted, 0.99);
  summary.max = sorted.empty() ? absl::ZeroDuration() : sorted.back();
  return summary;
}

absl::StatusOr<CloseDayResult> LatencyRecordingCloser::CloseBusinessDay(absl::CivilDay day) {
  latency_->OnCloseStarted(day, absl::Now());
  return inner_->CloseBusinessDay(day);
}

}  // namespace arrears::simulator
