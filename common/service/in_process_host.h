// InProcessHost: a Host (host.h) whose topics are an InMemoryEventBus, for
// running services side by side in one process without a broker — the
// simulator's reference run. Everything else is what ServiceHost does: the
// service's SQLite store under <data_dir>/<service_name>.db with the core
// tables, consumers through an ExactlyOnceProcessor (dedupe + outbox in the
// applier's transaction), the outbox relay (publishing to the bus), the gRPC
// server on config.grpc_address with its bound address published in
// config.grpc_address_file. No HTTP endpoint and no Kafka.
//
// Lifecycle: Create → Add* → Start → ... → Shutdown (idempotent; stops gRPC
// and flushes the outbox; the bus's delivery threads are the bus owner's to
// stop, before the hosts go away).
//
// Thread-safety: as ServiceHost.
#ifndef ARREARS_COMMON_SERVICE_IN_PROCESS_HOST_H_
#define ARREARS_COMMON_SERVICE_IN_PROCESS_HOST_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/events/in_memory_bus.h"
#include "common/runtime/published_file.h"
#include "common/service/host.h"
#include "common/service/trace_propagation.h"
#include "common/store/exactly_once_processor.h"
#include "common/store/migration.h"
#include "common/store/outbox_relay.h"
#include "common/store/sqlite_leader_lease.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/time/clock.h"

namespace arrears::service {

class InProcessHost final : public Host {
 public:
  // `clock` and `bus` must outlive the host.
  static absl::StatusOr<std::unique_ptr<InProcessHost>> Create(
      runtime::RuntimeConfig config, std::vector<store::Migration> service_migrations,
      const Clock* clock, events::InMemoryEventBus* bus);
  ~InProcessHost() override;

  const runtime::RuntimeConfig& config() const override { return config_; }
  store::SqliteDatabase& database() override { return *database_; }
  runtime::MetricsRegistry& metrics() override { return metrics_; }
  absl::Status InTransaction(
      absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) override;
  absl::Status AddConsumer(ConsumerBinding binding) override;
  void AddGrpcService(runtime::GrpcServiceBinding binding) override;
  absl::Status AddEventFeed(EventFeedBinding feed) override;

  // Subscribes the consumers to the bus, starts the relay and serves gRPC.
  absl::Status Start();
  absl::Status Shutdown();

  // Outbox rows and event feed events not yet on the bus.
  absl::StatusOr<int64_t> OutboxPending();

 private:
  struct Consumer {
    explicit Consumer(store::EventApplier* applier) : traced_applier(applier) {}
    ConsumerBinding binding;
    TracedApplier traced_applier;
    std::unique_ptr<store::ExactlyOnceProcessor> processor;
  };

  InProcessHost(runtime::RuntimeConfig config, const Clock* clock, events::InMemoryEventBus* bus)
      : config_(std::move(config)), clock_(clock), bus_(bus) {}

  const runtime::RuntimeConfig config_;
  const Clock* const clock_;
  events::InMemoryEventBus* const bus_;
  runtime::MetricsRegistry metrics_;
  std::unique_ptr<store::SqliteDatabase> database_;
  std::unique_ptr<store::SqliteProcessedEvents> processed_events_;
  std::unique_ptr<store::SqliteOutbox> outbox_;
  std::unique_ptr<store::SqliteLeaderLease> lease_;
  std::unique_ptr<store::OutboxRelay> relay_;
  std::unique_ptr<EventFeeds> feeds_;
  std::vector<std::unique_ptr<Consumer>> consumers_;
  std::vector<runtime::GrpcServiceBinding> grpc_services_;
  std::unique_ptr<runtime::GrpcServer> grpc_server_;
  std::unique_ptr<runtime::PublishedFile> grpc_address_file_;
  bool started_ = false;
  bool shut_down_ = false;
};

}  // namespace arrears::service

#endif  // ARREARS_COMMON_SERVICE_IN_PROCESS_HOST_H_
