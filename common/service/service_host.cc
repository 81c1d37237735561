#include "common/service/service_host.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/runtime/logging.h"
#include "common/runtime/thread_name.h"
#include "common/service/bound_address.h"
#include "common/service/outbox_transaction.h"
#include "common/service/trace_propagation.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_core_schema.h"

namespace arrears::service {

struct ServiceHost::Consumer {
  explicit Consumer(store::EventApplier* applier) : traced_applier(applier) {}
  ConsumerBinding binding;
  TracedApplier traced_applier;
  std::unique_ptr<store::ExactlyOnceProcessor> processor;
  std::unique_ptr<kafka::ConsumerLoop> loop;
  std::thread thread;
  absl::Mutex mu;
  absl::Status result ABSL_GUARDED_BY(mu);
};

ServiceHost::ServiceHost(runtime::RuntimeConfig config, const Clock* clock)
    : config_(std::move(config)), clock_(clock) {}

ServiceHost::~ServiceHost() { Shutdown().IgnoreError(); }

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Create(
    const runtime::RuntimeConfig& config, std::vector<store::Migration> service_migrations,
    const Clock* clock, store::SqliteOptions database) {
  if (config.data_dir.empty()) return absl::InvalidArgumentError("--data_dir: required");
  std::error_code error;
  std::filesystem::create_directories(config.data_dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("--data_dir: cannot create ", config.data_dir, ": ", error.message()));
  }
  auto host = std::unique_ptr<ServiceHost>(new ServiceHost(config, clock));

  store::SqliteOptions sqlite = std::move(database);
  sqlite.path = absl::StrCat(config.data_dir, "/", config.service_name, ".db");
  ARREARS_ASSIGN_OR_RETURN(host->database_, store::SqliteDatabase::Create(sqlite));
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : service_migrations) migrations.push_back(std::move(m));
  ARREARS_RETURN_IF_ERROR(Annotate(host->database_->Migrate(migrations), sqlite.path));
  host->processed_events_ = std::make_unique<store::SqliteProcessedEvents>(host->database_.get());
  host->outbox_ = std::make_unique<store::SqliteOutbox>(host->database_.get());
  host->lease_ = std::make_unique<store::SqliteLeaderLease>(host->database_.get());

  ARREARS_ASSIGN_OR_RETURN(kafka::KafkaConfig kafka_config,
                           runtime::KafkaConfigFromRuntime(config));
  ARREARS_ASSIGN_OR_RETURN(host->producer_, kafka::KafkaProducer::Create(kafka_config));
  store::OutboxRelayOptions relay_options;
  ARREARS_ASSIGN_OR_RETURN(
      host->relay_,
      // The relay's lease measures whether its owner is alive, which is real
      // time: on a simulated clock that stands still while a simulator waits
      // for the outbox to drain, a SIGKILLed owner's lease would never expire
      // and its restarted process could never publish.
      store::OutboxRelay::Create(relay_options, host->outbox_.get(), host->lease_.get(),
                                 host->producer_.get(), &SystemClock::Get()));
  host->feeds_ =
      std::make_unique<EventFeeds>(host->lease_.get(), host->producer_.get(), &SystemClock::Get());
  ARREARS_RETURN_IF_ERROR(host->RegisterMetrics());
  return host;
}

absl::Status ServiceHost::InTransaction(
    absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
  return RunOutboxTransaction(*database_, *outbox_, *relay_, *feeds_, body);
}

absl::Status ServiceHost::AddConsumer(ConsumerBinding binding) {
  if (started_) return absl::FailedPreconditionError("AddConsumer after Start");
  if (binding.applier == nullptr) return absl::InvalidArgumentError("applier: null");
  auto consumer = std::make_unique<Consumer>(binding.applier);
  store::ExactlyOnceProcessorOptions processor_options;
  processor_options.consumer = binding.group_id;
  store::OutboxRelay* relay = relay_.get();
  EventFeeds* feeds = feeds_.get();
  processor_options.after_commit = [relay, feeds] { WakePublishers(*relay, *feeds); };
  ARREARS_ASSIGN_OR_RETURN(consumer->processor,
                           store::ExactlyOnceProcessor::Create(
                               database_.get(), processed_events_.get(), outbox_.get(),
                               &consumer->traced_applier, clock_, std::move(processor_options)));
  ARREARS_ASSIGN_OR_RETURN(kafka::KafkaConfig kafka_config,
                           runtime::KafkaConfigFromRuntime(config_));
  kafka::ConsumerOptions options;
  options.kafka = std::move(kafka_config);
  options.group_id = binding.group_id;
  options.topics = binding.topics;
  options.retry = binding.retry;
  options.max_batch_size = binding.max_batch_size;
  ARREARS_ASSIGN_OR_RETURN(
      consumer->loop,
      kafka::ConsumerLoop::Create(options, consumer->processor.get(), producer_.get(), clock_));
  consumer->binding = std::move(binding);
  consumers_.push_back(std::move(consumer));
  return absl::OkStatus();
}

void ServiceHost::AddGrpcService(runtime::GrpcServiceBinding binding) {
  grpc_services_.push_back(std::move(binding));
}

absl::Status ServiceHost::AddEventFeed(EventFeedBinding feed) {
  if (started_) return absl::FailedPreconditionError("AddEventFeed after Start");
  return feeds_->Add(std::move(feed));
}

absl::Status ServiceHost::RegisterMetrics() {
  using runtime::CollectedSample;
  using runtime::CollectorSpec;
  using runtime::MetricType;
  auto add = [this](CollectorSpec spec, runtime::Collector collector) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(auto registration,
                             metrics_.AddCollector(std::move(spec), std::move(collector)));
    collectors_.push_back(std::move(registration));
    return absl::OkStatus();
  };
  ARREARS_RETURN_IF_ERROR(add(
      {.name = "arrears_kafka_consumer_lag",
       .help = "Messages between the committed offset and the end of each assigned partition.",
       .label_names = {"group", "topic", "partition"}},
      [this] {
        std::vector<CollectedSample> samples;
        for (const auto& consumer : consumers_) {
          for (const kafka::PartitionLag& lag : consumer->loop->ConsumerLag()) {
            if (lag.lag < 0) continue;
            samples.push_back({{consumer->binding.group_id, lag.topic, absl::StrCat(lag.partition)},
                               static_cast<double>(lag.lag)});
          }
        }
        return samples;
      }));
  // Consumer counters, one family each, read from the loops at scrape time.
  struct CounterView {
    const char* name;
    const char* help;
    int64_t kafka::ConsumerStats::*field;
  };
  static constexpr CounterView kCounters[] = {
      {"arrears_kafka_consumer_events_handled_total", "Events the handler applied.",
       &kafka::ConsumerStats::events_handled},
      {"arrears_kafka_consumer_dead_lettered_total", "Records written to a dead-letter topic.",
       &kafka::ConsumerStats::dead_lettered},
      {"arrears_kafka_consumer_retries_total", "Handler calls repeated after a retryable error.",
       &kafka::ConsumerStats::retries},
      {"arrears_kafka_consumer_rebalances_total", "Partition assignments and revocations.",
       &kafka::ConsumerStats::rebalances},
  };
  for (const CounterView& view : kCounters) {
    ARREARS_RETURN_IF_ERROR(add({.name = view.name,
                                 .help = view.help,
                                 .label_names = {"group"},
                                 .type = MetricType::kCounter},
                                [this, field = view.field] {
                                  std::vector<CollectedSample> samples;
                                  for (const auto& consumer : consumers_) {
                                    samples.push_back(
                                        {{consumer->binding.group_id},
                                         static_cast<double>(consumer->loop->stats().*field)});
                                  }
                                  return samples;
                                }));
  }
  return add({.name = "arrears_outbox_pending",
              .help = "Events not yet published (the outbox and the event feeds)."},
             [this] {
               std::vector<CollectedSample> samples;
               absl::StatusOr<int64_t> pending = outbox_->PendingCount();
               absl::StatusOr<int64_t> in_feeds = feeds_->Pending();
               if (pending.ok() && in_feeds.ok()) {
                 samples.push_back({{}, static_cast<double>(*pending + *in_feeds)});
               }
               return samples;
             });
}

absl::Status ServiceHost::Start() {
  if (started_) return absl::FailedPreconditionError("Start called twice");
  started_ = true;
  ARREARS_ASSIGN_OR_RETURN(http_server_,
                           runtime::HttpServer::Create(config_.http_address, &metrics_));
  ARREARS_RETURN_IF_ERROR(relay_->Start());
  ARREARS_RETURN_IF_ERROR(feeds_->Start());
  for (auto& consumer : consumers_) {
    Consumer* c = consumer.get();
    c->thread = std::thread([this, c] {
      runtime::NameCurrentThread("kafka-consumer");
      absl::Status status = c->loop->Run();
      {
        absl::MutexLock lock(&c->mu);
        c->result = status;
      }
      if (!status.ok()) {
        runtime::LogError("consumer loop failed")
            .With("group", c->binding.group_id)
            .With("error", status.ToString());
        if (signal_ != nullptr) signal_->Trigger("consumer loop failed");
      }
    });
  }
  runtime::GrpcServerOptions grpc_options;
  grpc_options.address = config_.grpc_address;
  grpc_options.services = grpc_services_;
  grpc_options.metrics = &metrics_;
  ARREARS_ASSIGN_OR_RETURN(grpc_server_, runtime::GrpcServer::Create(grpc_options));
  grpc_server_->SetServing(true);
  ARREARS_RETURN_IF_ERROR(PublishGrpcAddress());
  http_server_->SetReady(true);
  runtime::LogInfo("service started")
      .With("grpc_port", static_cast<int64_t>(grpc_server_->port()))
      .With("http_port", static_cast<int64_t>(http_server_->port()))
      .With("consumers", static_cast<int64_t>(consumers_.size()))
      .With("store", database_->path());
  return absl::OkStatus();
}

absl::Status ServiceHost::PublishGrpcAddress() {
  if (config_.grpc_address_file.empty()) return absl::OkStatus();
  ARREARS_ASSIGN_OR_RETURN(
      grpc_address_file_,
      PublishBoundAddress(config_.grpc_address_file, config_.grpc_address, grpc_server_->port()));
  return absl::OkStatus();
}

int ServiceHost::grpc_port() const { return grpc_server_ ? grpc_server_->port() : 0; }
int ServiceHost::http_port() const { return http_server_ ? http_server_->port() : 0; }

absl::Status ServiceHost::Shutdown() {
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  const absl::Duration budget = config_.drain_timeout;
  runtime::DrainSequence drain(clock_);
  drain.AddStep("readiness off", budget, [this](absl::Time) {
    grpc_address_file_.reset();
    if (http_server_) http_server_->SetReady(false);
    if (grpc_server_) grpc_server_->SetServing(false);
    return absl::OkStatus();
  });
  drain.AddStep("stop consumers and commit offsets", budget, [this](absl::Time) {
    for (auto& consumer : consumers_) consumer->loop->Stop();
    absl::Status first_error;
    for (auto& consumer : consumers_) {
      if (consumer->thread.joinable()) consumer->thread.join();
      absl::MutexLock lock(&consumer->mu);
      if (first_error.ok()) first_error = consumer->result;
    }
    return first_error;
  });
  // A host whose Create failed part way is destroyed through here too: what
  // was never built has nothing to stop (it crashed the process instead of
  // letting main report Create's error).
  drain.AddStep("flush outbox", budget, [this](absl::Time) {
    return relay_ != nullptr && feeds_ != nullptr ? StopPublishers(*relay_, *feeds_)
                                                  : absl::OkStatus();
  });
  drain.AddStep("stop grpc", budget, [this](absl::Time deadline) {
    if (grpc_server_) grpc_server_->Shutdown(deadline - clock_->Now());
    return absl::OkStatus();
  });
  drain.AddStep("flush producer", budget, [this](absl::Time deadline) {
    return producer_ != nullptr ? producer_->Flush(deadline - clock_->Now()) : absl::OkStatus();
  });
  drain.AddStep("stop http", budget, [this](absl::Time) {
    if (http_server_) http_server_->Stop();
    return absl::OkStatus();
  });
  return drain.Run().status();
}

absl::Status ServiceHost::Run(runtime::ShutdownSignal& signal) {
  signal_ = &signal;
  if (absl::Status s = Start(); !s.ok()) {
    Shutdown().IgnoreError();
    return s;
  }
  signal.Wait();
  runtime::LogInfo("shutting down").With("reason", signal.reason());
  return Shutdown();
}

absl::Status ServiceHost::Run(runtime::ShutdownSignal& signal, Assembly& assembly) {
  absl::StatusOr<std::unique_ptr<runtime::CollectorRegistration>> pending = metrics_.AddCollector(
      {.name = "arrears_background_work_pending",
       .help = "Background work due now and not finished (fired timers, claimed tries)."},
      [&assembly] {
        std::vector<runtime::CollectedSample> samples;
        absl::StatusOr<int64_t> count = assembly.PendingBackgroundWork();
        if (count.ok()) samples.push_back({{}, static_cast<double>(*count)});
        return samples;
      });
  if (!pending.ok()) return pending.status();
  assembly.StartBackground();
  absl::Status status = Run(signal);
  // Unregistered before the background stops: a scrape must not reach into
  // a stopping worker.
  pending->reset();
  assembly.StopBackground();
  return status;
}

}  // namespace arrears::service
