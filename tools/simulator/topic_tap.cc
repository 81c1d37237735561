#include "tools/simulator/topic_tap.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace arrears::simulator {

TopicTap::TopicTap(RunStatistics* statistics, std::set<std::string> feedback_topics,
                   PipelineLatency* latency)
    : statistics_(statistics), latency_(latency), feedback_topics_(std::move(feedback_topics)) {}

std::vector<absl::Status> TopicTap::HandleBatch(absl::Span<const events::InboundEvent> batch) {
  const absl::Time read_at = absl::Now();
  for (const events::InboundEvent& inbound : batch) {
    statistics_->Ingest(inbound.event);
    if (latency_ != nullptr) latency_->OnEvent(inbound.event, read_at);
  }
  absl::MutexLock lock(&mu_);
  for (const events::InboundEvent& inbound : batch) {
    if (feedback_topics_.contains(inbound.event.topic)) inbox_.push_back(inbound.event);
    int64_t& next = positions_[{inbound.position.topic, inbound.position.partition}];
    next = std::max(next, inbound.position.offset + 1);
  }
  return std::vector<absl::Status>(batch.size(), absl::OkStatus());
}

std::vector<events::Event> TopicTap::Drain() {
  absl::MutexLock lock(&mu_);
  std::vector<events::Event> drained;
  drained.swap(inbox_);
  return drained;
}

PartitionOffsets TopicTap::positions() const {
  absl::MutexLock lock(&mu_);
  return positions_;
}

}  // namespace arrears::simulator
