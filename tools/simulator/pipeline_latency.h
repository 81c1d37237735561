// PipelineLatency: how long the system takes from a business day's close to
// the first contact request for each loan that the close made delinquent —
// the end-to-end latency of issue #7's pipeline benchmark — and how many
// events went through.
//
// The simulator reports the start of each CloseBusinessDay call
// (OnCloseStarted) and every event its tap reads, with the wall time it was
// read (OnEvent). A DELINQUENCY STARTED event for business date D starts a
// clock for its customer at the start of D's close; the customer's first
// contact request read after that stops it. Customers whose case never asks
// for a contact (held, promised, hardship plans) are counted as without a
// request, not as latencies.
//
// Thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_PIPELINE_LATENCY_H_
#define ARREARS_TOOLS_SIMULATOR_PIPELINE_LATENCY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/events/event.h"
#include "tools/simulator/pipeline.h"

namespace arrears::simulator {

struct LatencySummary {
  int64_t samples = 0;
  // Delinquencies whose customer got no contact request (yet).
  int64_t without_request = 0;
  absl::Duration p50;
  absl::Duration p90;
  absl::Duration p99;
  absl::Duration max;
};

class PipelineLatency {
 public:
  void OnCloseStarted(absl::CivilDay day, absl::Time wall) ABSL_LOCKS_EXCLUDED(mu_);
  void OnEvent(const events::Event& event, absl::Time wall) ABSL_LOCKS_EXCLUDED(mu_);

  LatencySummary Summary() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::map<absl::CivilDay, absl::Time> close_started_ ABSL_GUARDED_BY(mu_);
  // Customer -> when its clock started.
  absl::flat_hash_map<std::string, absl::Time> waiting_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Duration> latencies_ ABSL_GUARDED_BY(mu_);
};

// A BusinessDayCloser that tells `latency` when each close starts.
class LatencyRecordingCloser final : public BusinessDayCloser {
 public:
  // Pointers must outlive the object.
  LatencyRecordingCloser(BusinessDayCloser* inner, PipelineLatency* latency)
      : inner_(inner), latency_(latency) {}
  absl::StatusOr<CloseDayResult> CloseBusinessDay(absl::CivilDay day) override;

 private:
  BusinessDayCloser* const inner_;
  PipelineLatency* const latency_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_PIPELINE_LATENCY_H_
