// TopicTap: the simulator's own consumer of the services' topics (a plain
// consumer group of its own, through kafka::ConsumerLoop).
//
// Every consumed event is tallied (RunStatistics); those the debtors answer
// (contact, case and plan events) also wait in the feedback inbox until the
// driver drains it. The tap remembers how far it has read each partition, so
// the pipeline monitor can tell when the simulator has seen everything the
// services published. Handling never fails: what the tap cannot read is
// counted, not dead-lettered. Thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_TOPIC_TAP_H_
#define ARREARS_TOOLS_SIMULATOR_TOPIC_TAP_H_

#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/events/handler.h"
#include "tools/simulator/kafka_offsets.h"
#include "tools/simulator/pipeline.h"
#include "tools/simulator/pipeline_latency.h"
#include "tools/simulator/run_statistics.h"

namespace arrears::simulator {

class TopicTap final : public events::EventBatchHandler, public FeedbackInbox {
 public:
  // `statistics` must outlive the tap. `feedback_topics` are the topics whose
  // events go to the inbox.
  // `latency`, optional, also sees every event with the wall time it was read.
  TopicTap(RunStatistics* statistics, std::set<std::string> feedback_topics,
           PipelineLatency* latency = nullptr);

  std::vector<absl::Status> HandleBatch(absl::Span<const events::InboundEvent> batch) override;
  std::vector<events::Event> Drain() override;

  // Next offset to read per partition (one past the last event handled).
  PartitionOffsets positions() const;

 private:
  RunStatistics* const statistics_;
  PipelineLatency* const latency_;
  const std::set<std::string> feedback_topics_;
  mutable absl::Mutex mu_;
  std::vector<events::Event> inbox_ ABSL_GUARDED_BY(mu_);
  PartitionOffsets positions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_TOPIC_TAP_H_
