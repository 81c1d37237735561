#include "common/service/in_process_host.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/service/bound_address.h"
#include "common/service/outbox_transaction.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_core_schema.h"

namespace arrears::service {

absl::StatusOr<std::unique_ptr<InProcessHost>> InProcessHost::Create(
    runtime::RuntimeConfig config, std::vector<store::Migration> service_migrations,
    const Clock* clock, events::InMemoryEventBus* bus) {
  if (config.data_dir.empty()) return absl::InvalidArgumentError("data_dir: required");
  if (clock == nullptr || bus == nullptr) {
    return absl::InvalidArgumentError("InProcessHost: clock and bus are required");
  }
  std::error_code error;
  std::filesystem::create_directories(config.data_dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_dir: cannot create ", config.data_dir, ": ", error.message()));
  }
  auto host = std::unique_ptr<InProcessHost>(new InProcessHost(std::move(config), clock, bus));
  store::SqliteOptions sqlite;
  sqlite.path = absl::StrCat(host->config_.data_dir, "/", host->config_.service_name, ".db");
  ARREARS_ASSIGN_OR_RETURN(host->database_, store::SqliteDatabase::Create(sqlite));
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : service_migrations) migrations.push_back(std::move(m));
  ARREARS_RETURN_IF_ERROR(Annotate(host->database_->Migrate(migrations), sqlite.path));
  host->processed_events_ = std::make_unique<store::SqliteProcessedEvents>(host->database_.get());
  host->outbox_ = std::make_unique<store::SqliteOutbox>(host->database_.get());
  host->lease_ = std::make_unique<store::SqliteLeaderLease>(host->database_.get());
  ARREARS_ASSIGN_OR_RETURN(host->relay_,
                           // Lease liveness is real time (see ServiceHost::Create).
                           store::OutboxRelay::Create({}, host->outbox_.get(), host->lease_.get(),
                                                      bus, &SystemClock::Get()));
  host->feeds_ = std::make_unique<EventFeeds>(host->lease_.get(), bus, &SystemClock::Get());
  return host;
}

InProcessHost::~InProcessHost() { Shutdown().IgnoreError(); }

absl::Status InProcessHost::InTransaction(
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
  return RunOutboxTransaction(*database_, *outbox_, *relay_, *feeds_, body);
}

absl::Status InProcessHost::AddConsumer(ConsumerBinding binding) {
  if (started_) return absl::FailedPreconditionError("AddConsumer after Start");
  if (binding.applier == nullptr) return absl::InvalidArgumentError("applier: null");
  auto consumer = std::make_unique<Consumer>(binding.applier);
  store::OutboxRelay* relay = relay_.get();
  EventFeeds* feeds = feeds_.get();
  ARREARS_ASSIGN_OR_RETURN(
      consumer->processor,
      store::ExactlyOnceProcessor::Create(
          database_.get(), processed_events_.get(), outbox_.get(), &consumer->traced_applier,
          clock_, {.consumer = binding.group_id, .after_commit = [relay, feeds] {
                     WakePublishers(*relay, *feeds);
                   }}));
  consumer->binding = std::move(binding);
  consumers_.push_back(std::move(consumer));
  return absl::OkStatus();
}

void InProcessHost::AddGrpcService(runtime::GrpcServiceBinding binding) {
  grpc_services_.push_back(std::move(binding));
}

absl::Status InProcessHost::AddEventFeed(EventFeedBinding feed) {
  if (started_) return absl::FailedPreconditionError("AddEventFeed after Start");
  return feeds_->Add(std::move(feed));
}

absl::Status InProcessHost::Start() {
  if (started_) return absl::FailedPreconditionError("Start called twice");
  started_ = true;
  ARREARS_RETURN_IF_ERROR(relay_->Start());
  ARREARS_RETURN_IF_ERROR(feeds_->Start());
  for (const auto& consumer : consumers_) {
    const ConsumerBinding& binding = consumer->binding;
    ARREARS_RETURN_IF_ERROR(bus_->Subscribe({.group = binding.group_id,
                                             .topics = binding.topics,
                                             .handler = consumer->processor.get(),
                                             .max_batch = binding.max_batch_size,
                                             .max_attempts = binding.retry.max_attempts,
                                             .initial_backoff = binding.retry.initial_backoff,
                                             .max_backoff = binding.retry.max_backoff}));
  }
  runtime::GrpcServerOptions grpc_options;
  grpc_options.address = config_.grpc_address;
  grpc_options.services = grpc_services_;
  grpc_options.metrics = &metrics_;
  ARREARS_ASSIGN_OR_RETURN(grpc_server_, runtime::GrpcServer::Create(grpc_options));
  grpc_server_->SetServing(true);
  if (!config_.grpc_address_file.empty()) {
    ARREARS_ASSIGN_OR_RETURN(
        grpc_address_file_,
        PublishBoundAddress(config_.grpc_address_file, config_.grpc_address, grpc_server_->port()));
  }
  return absl::OkStatus();
}

absl::Status InProcessHost::Shutdown() {
  if (shut_down_ || !started_) return absl::OkStatus();
  shut_down_ = true;
  grpc_address_file_.reset();
  if (grpc_server_) grpc_server_->Shutdown(absl::Seconds(5));
  return StopPublishers(*relay_, *feeds_);
}

absl::StatusOr<int64_t> InProcessHost::OutboxPending() {
  ARREARS_ASSIGN_OR_RETURN(const int64_t pending, outbox_->PendingCount());
  ARREARS_ASSIGN_OR_RETURN(const int64_t in_feeds, feeds_->Pending());
  return pending + in_feeds;
}

}  // namespace arrears::service
