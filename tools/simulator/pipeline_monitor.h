// KafkaPipelineMonitor: the driver's PipelineMonitor for a running system.
//
// The pipeline is quiet (quiet_detector.h) when
//   - every watched consumer group of the services has committed every
//     partition of its topics up to the end offset (records applied; the
//     services commit only after their store transaction);
//   - the simulator's own tap has read every partition of its topics to the
//     end (so the debtors' feedback and the tallies are complete);
//   - every service whose /metrics is known reports an empty outbox and no
//     background work due (arrears_background_work_pending: fired timers
//     and claimed tries, e.g. contacts to check and send, agendas to decide;
//     they show on no topic until done, and the clock must not move before);
//   - and none of those offsets and counters moved for the settle time.
// Committed offsets are read with KafkaOffsets, which needs no group
// membership. A service's commits trail its processing by its
// auto.commit.interval.ms (librdkafka's default is 5 s: run the services with
// a small one, as tools/run.sh does, or quiet takes that long to show).
//
// Watched groups are given as "group=topic|topic;group=topic". Thread-
// compatible: AwaitQuiet from the driver thread.
#ifndef ARREARS_TOOLS_SIMULATOR_PIPELINE_MONITOR_H_
#define ARREARS_TOOLS_SIMULATOR_PIPELINE_MONITOR_H_

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/simulator/kafka_offsets.h"
#include "tools/simulator/pipeline.h"
#include "tools/simulator/quiet_detector.h"
#include "tools/simulator/topic_tap.h"

namespace arrears::simulator {

struct WatchedGroup {
  std::string group;
  std::vector<std::string> topics;
  friend bool operator==(const WatchedGroup&, const WatchedGroup&) = default;
};

// "g1=t1|t2;g2=t3" -> groups. InvalidArgument naming the entry when one has
// no '=' or no topics.
absl::StatusOr<std::vector<WatchedGroup>> ParseWatchedGroups(absl::string_view text);

// The service a group belongs to: the group name up to its first '.'
// ("contact-channels.case-events" -> "contact-channels").
std::string ServiceOfGroup(absl::string_view group);

// What /metrics says about progress: outbox rows not yet published, background
// work due, and the consumer counters (events handled, dead-lettered) as one number per line.
struct MetricsReading {
  int64_t outbox_pending = 0;
  int64_t background_pending = 0;
  std::vector<int64_t> counters;
};

// Parses the Prometheus text exposition of a service's /metrics.
MetricsReading ParseMetrics(absl::string_view text);

struct MonitorOptions {
  QuietOptions quiet;
  std::vector<WatchedGroup> groups;
  // The tap's consumer group and topics.
  std::string tap_group;
  std::vector<std::string> tap_topics;
  // Service name -> "http://host:port" of its /metrics; optional.
  std::map<std::string, std::string> metrics_urls;
};

class KafkaPipelineMonitor final : public PipelineMonitor {
 public:
  // `offsets` and `tap` must outlive the monitor; `offsets` must know every
  // topic named in `options`.
  KafkaPipelineMonitor(KafkaOffsets* offsets, const TopicTap* tap, MonitorOptions options);

  absl::Status AwaitQuiet() override;

  // One reading, for diagnostics and tests.
  absl::StatusOr<PipelineSample> Sample();

 private:
  KafkaOffsets* const offsets_;
  const TopicTap* const tap_;
  const MonitorOptions options_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_PIPELINE_MONITOR_H_
