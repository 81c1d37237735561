// ServiceHost: the parts every Arrears service process is made of, wired once
// so that each services/<name>/main.cc only adds its own logic.
//
// A host owns, for one process:
//   - the service's SQLite store (<data_dir>/<service_name>.db, WAL), migrated
//     with the core tables (dedupe, outbox, relay lease) and the service's own
//     migrations;
//   - a Kafka producer, used by the outbox relay and for dead letters;
//   - the outbox relay (one publisher among replicas sharing the store, by
//     lease), and one relay per event feed (event_feeds.h);
//   - consumer loops, each feeding an ExactlyOnceProcessor around a domain
//     EventApplier: "apply + mark processed + enqueue outbound" commit as one
//     transaction, offsets are committed only after that; each event is
//     applied under its trace (trace_propagation.h);
//   - the gRPC server (health + reflection) with the service's APIs, its bound
//     address published in --grpc_address_file while it serves;
//   - the HTTP endpoint for /metrics, /healthz and /readyz, with consumer lag
//     per partition, consumer counters and outbox depth as metrics.
//
// Lifecycle: Create → add consumers and gRPC services → Start → (serve) →
// Shutdown. Shutdown drains in the order that loses nothing: readiness off →
// stop consumers (each finishes its batch and commits offsets) → flush the
// outbox → stop gRPC (in-flight calls finish) → flush the producer → stop
// HTTP. Run() is Start + wait for SIGTERM/SIGINT + Shutdown.
//
// The production Host (host.h).
//
// Thread-safety: configuration calls (Add*, Start, Shutdown, Run) from one
// thread; InTransaction from any thread (gRPC handlers).
#ifndef ARREARS_COMMON_SERVICE_SERVICE_HOST_H_
#define ARREARS_COMMON_SERVICE_SERVICE_HOST_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/kafka/consumer_loop.h"
#include "common/kafka/producer.h"
#include "common/runtime/config.h"
#include "common/runtime/grpc_server.h"
#include "common/runtime/http_server.h"
#include "common/runtime/metrics.h"
#include "common/runtime/published_file.h"
#include "common/runtime/shutdown.h"
#include "common/service/host.h"
#include "common/store/event_applier.h"
#include "common/store/exactly_once_processor.h"
#include "common/store/migration.h"
#include "common/store/outbox_relay.h"
#include "common/store/outbox_writer.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_leader_lease.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/time/clock.h"

namespace arrears::service {

class ServiceHost final : public Host {
 public:
  // Opens and migrates the store and connects the producer. `clock` must
  // outlive the host. `database` tunes the service database (a service with
  // a heavy write load may checkpoint less often); its path is always
  // <data_dir>/<service_name>.db. Errors name the flag or file at fault.
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Create(
      const runtime::RuntimeConfig& config, std::vector<store::Migration> service_migrations,
      const Clock* clock, store::SqliteOptions database = {});

  ~ServiceHost();
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  store::SqliteDatabase& database() override { return *database_; }
  runtime::MetricsRegistry& metrics() override { return metrics_; }
  const runtime::RuntimeConfig& config() const override { return config_; }

  // Runs `body` in one store transaction; events it enqueues are published
  // after, and only if, the transaction commits. For gRPC handlers that
  // change state and emit events.
  absl::Status InTransaction(
      absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) override;

  // Before Start().
  absl::Status AddConsumer(ConsumerBinding binding) override;
  void AddGrpcService(runtime::GrpcServiceBinding binding) override;
  absl::Status AddEventFeed(EventFeedBinding feed) override;

  // Starts the relay, the consumers, gRPC and HTTP, then marks the process
  // ready and serving.
  absl::Status Start();
  int grpc_port() const;
  int http_port() const;

  // Drains as described above; returns the drain report's status. Idempotent.
  absl::Status Shutdown();

  // Start, wait for `signal`, Shutdown. A consumer loop that fails fatally
  // triggers the signal, so the process exits (and is restarted) rather than
  // serving without consuming.
  absl::Status Run(runtime::ShutdownSignal& signal);
  // Run with `assembly`'s background work started before and stopped after.
  absl::Status Run(runtime::ShutdownSignal& signal, Assembly& assembly);

 private:
  struct Consumer;

  ServiceHost(runtime::RuntimeConfig config, const Clock* clock);
  absl::Status RegisterMetrics();
  absl::Status PublishGrpcAddress();

  const runtime::RuntimeConfig config_;
  const Clock* const clock_;
  runtime::MetricsRegistry metrics_;
  std::unique_ptr<store::SqliteDatabase> database_;
  std::unique_ptr<store::SqliteProcessedEvents> processed_events_;
  std::unique_ptr<store::SqliteOutbox> outbox_;
  std::unique_ptr<store::SqliteLeaderLease> lease_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  std::unique_ptr<store::OutboxRelay> relay_;
  std::unique_ptr<EventFeeds> feeds_;
  std::vector<std::unique_ptr<Consumer>> consumers_;
  std::vector<runtime::GrpcServiceBinding> grpc_services_;
  std::unique_ptr<runtime::GrpcServer> grpc_server_;
  std::unique_ptr<runtime::HttpServer> http_server_;
  std::unique_ptr<runtime::PublishedFile> grpc_address_file_;  // while serving
  std::vector<std::unique_ptr<runtime::CollectorRegistration>> collectors_;
  runtime::ShutdownSignal* signal_ = nullptr;  // set by Run
  bool started_ = false;
  bool shut_down_ = false;
};

}  // namespace arrears::service

#endif  // ARREARS_COMMON_SERVICE_SERVICE_HOST_H_
