// Host: what a service's assembly needs from the process it runs in — its
// store, transactions whose events go out through the outbox, consumers of
// topics, gRPC services and metrics — without knowing how events travel.
//
// Two implementations: ServiceHost (service_host.h), the production process
// over Kafka, and the in-process host of the reference run
// (tools/simulator/in_process_system.h), whose "topics" are an in-memory bus.
// A service's assembly (services/<name>/..._assembly.h) is written against
// this interface only, so main.cc and the reference run wire exactly the
// same parts.
//
// Contract shared by implementations:
//   - InTransaction: `body` runs in one store transaction; the events it
//     enqueues are published after, and only if, the transaction commits.
//   - AddConsumer: before the host starts; each event of the binding's
//     topics is applied at least once through an ExactlyOnceProcessor around
//     `applier` (deduped by ce_id per group), so effects happen once.
//   - AddGrpcService: before the host starts; served on the host's address.
//   - AddEventFeed: before the host starts; the feed's committed events are
//     published as the outbox's are (event_feeds.h), and its relay is
//     nudged after every transaction the host runs.
//
// Thread-safety: Add* from the configuring thread; InTransaction from any
// thread.
#ifndef ARREARS_COMMON_SERVICE_HOST_H_
#define ARREARS_COMMON_SERVICE_HOST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/kafka/consumer_loop.h"  // RetryPolicy
#include "common/runtime/config.h"
#include "common/runtime/grpc_server.h"
#include "common/runtime/metrics.h"
#include "common/service/event_feeds.h"
#include "common/store/event_applier.h"
#include "common/store/outbox_writer.h"
#include "common/store/sqlite_database.h"
#include "common/store/transaction.h"

namespace arrears::service {

struct ConsumerBinding {
  // The consumer group, also the dedupe namespace of its events.
  std::string group_id;
  std::vector<std::string> topics;
  // Not owned; must outlive the host.
  store::EventApplier* applier = nullptr;
  kafka::RetryPolicy retry = {};
  int max_batch_size = 500;
};

class Host {
 public:
  virtual ~Host() = default;

  virtual const runtime::RuntimeConfig& config() const = 0;
  virtual store::SqliteDatabase& database() = 0;
  virtual runtime::MetricsRegistry& metrics() = 0;

  virtual absl::Status InTransaction(
      absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) = 0;

  virtual absl::Status AddConsumer(ConsumerBinding binding) = 0;
  virtual void AddGrpcService(runtime::GrpcServiceBinding binding) = 0;
  virtual absl::Status AddEventFeed(EventFeedBinding feed) = 0;
};

// A service wired into a Host (services/<name>/..._assembly.h). Its
// background work (timers, workers, periodic jobs) starts once the host is
// configured and stops after the host has drained, before the assembly and
// the host go away.
class Assembly {
 public:
  virtual ~Assembly() = default;
  virtual void StartBackground() = 0;
  virtual void StopBackground() = 0;

  // Background work that is due now but not finished: timers that have
  // fired and tries claimed or running. Consumers and the outbox report
  // their own progress (offsets, arrears_outbox_pending); this is the rest,
  // which no topic shows until it is done. A simulation waits for it to be
  // 0 before moving its clock, so work due at an instant is done at that
  // instant and not later. Exported as arrears_background_work_pending.
  // Thread-safe; cheap enough to call on every scrape.
  virtual absl::StatusOr<int64_t> PendingBackgroundWork() { return 0; }
};

}  // namespace arrears::service

#endif  // ARREARS_COMMON_SERVICE_HOST_H_
