// overdue_ingest_bench: how many repayment events a second the overdue
// detection service applies, on one core's worth of CPU, on its exactly-once
// path, in process and through the dev broker, against baselines measured in
// the same run.
//
//   overdue_ingest_bench [--loans=20000] [--repayments=200000] [--batch=500]
//                        [--partitions=16] [--broker=true]
//
// The events are tools/loadgen's LoanEventStream: --loans LoanOpened (12
// monthly installments, three products) then --repayments repayments
// round-robin over the book (value dates around the business date
// 2026-03-15, some back-dated, some future-dated). The openings are applied
// first, untimed; only the repayments are timed.
//
// Paths, in order:
//   engine only        DelinquencyEngine::Apply on an InMemoryLoanStore: the
//                      domain's own cost (no SQLite, no dedupe, no outbox);
//   exactly-once, platform applier (baseline)
//                      ExactlyOnceProcessor on SQLite with bench/'s
//                      BenchApplier (one row upsert + one outbound event per
//                      event): the platform's floor for a typical service;
//   exactly-once, overdue applier
//                      the service's path: ExactlyOnceProcessor + SQLite
//                      (processed_events, outbox) + LoanEventApplier +
//                      OverdueBook (engine on SqliteLoanStore, parked-event
//                      check, delinquency events to the outbox), batches of
//                      --batch events, one transaction each;
//   dev broker         the same two exactly-once paths behind a ConsumerLoop
//                      reading the preloaded topic from an in-process
//                      DevBroker (1 broker, --partitions partitions), timed
//                      from the first handler call with a repayment to the
//                      last; CPU includes the in-process broker's.
// "per core" = events / process CPU seconds in the timed window.
//
// Checks: every event OK (none dead-lettered), and every loan's snapshot from
// the overdue exactly-once path equals the engine-only one. After the
// in-process phase the service's store is reopened to time the start-up
// calendar rebuild (the calendar is rebuilt from the next_boundary index,
// not persisted).
#include <sys/resource.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/bench_applier.h"
#include "common/kafka/consumer_loop.h"
#include "common/kafka/producer.h"
#include "common/runtime/logging.h"
#include "common/status/status_macros.h"
#include "common/store/exactly_once_processor.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/civil_date.h"
#include "common/topics/topics.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/overdue_detection/delinquency_engine.h"
#include "services/overdue_detection/in_memory_loan_store.h"
#include "services/overdue_detection/loan_event_applier.h"
#include "services/overdue_detection/overdue_book.h"
#include "services/overdue_detection/overdue_schema.h"
#include "tools/devbroker/dev_broker.h"
#include "tools/loadgen/loan_event_stream.h"

ABSL_FLAG(int64_t, loans, 20'000, "Loans opened (untimed) before the repayments");
ABSL_FLAG(int64_t, repayments, 200'000, "Repayment events timed");
ABSL_FLAG(int, batch, 500, "Events per exactly-once transaction (and consumer batch)");
ABSL_FLAG(int, partitions, 16, "Partitions of the loan events topic on the dev broker");
ABSL_FLAG(bool, broker, true, "Also run the paths through the dev broker");
ABSL_FLAG(std::string, products_file, OVERDUE_PRODUCTS_YAML, "Product configuration");

namespace arrears::overdue {
namespace {

constexpr absl::CivilDay kBusinessDate = absl::CivilDay(2026, 3, 15);
constexpr uint64_t kSeed = 11;

absl::Duration ProcessCpu() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

struct Row {
  std::string path;
  int64_t events = 0;
  absl::Duration elapsed;
  absl::Duration cpu;
};

void Print(const Row& row, double baseline_per_core) {
  const double seconds = absl::ToDoubleSeconds(row.elapsed);
  const double per_core = row.events / absl::ToDoubleSeconds(row.cpu);
  std::printf("%-70s %9lld %8.2f %10.0f %7.2f %10.0f %6.2fx\n", row.path.c_str(),
              static_cast<long long>(row.events), seconds, row.events / seconds,
              absl::ToDoubleSeconds(row.cpu), per_core,
              baseline_per_core > 0 ? per_core / baseline_per_core : 1.0);
}

std::vector<events::InboundEvent> Stream(int64_t loans, int64_t total) {
  loadgen::LoanEventStream stream({.seed = kSeed, .loans = loans});
  std::vector<events::InboundEvent> out;
  out.reserve(total);
  for (int64_t i = 0; i < total; ++i) {
    events::InboundEvent& inbound = out.emplace_back();
    inbound.event = stream.Next();
    inbound.position = {.topic = inbound.event.topic, .partition = 0, .offset = i};
  }
  return out;
}

// One exactly-once store: a SQLite file with the processor around `applier`.
struct ExactlyOnceStore {
  std::optional<store::TempDir> dir;
  std::unique_ptr<store::SqliteDatabase> db;
  std::unique_ptr<store::SqliteProcessedEvents> processed;
  std::unique_ptr<store::SqliteOutbox> outbox;
  std::unique_ptr<OverdueBook> book;  // overdue path only
  std::unique_ptr<store::EventApplier> applier;
  std::unique_ptr<store::ExactlyOnceProcessor> processor;
};

OutboxTransactionRunner RunnerFor(ExactlyOnceStore* s) {
  return [s](absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
    return s->db->InTransaction([&](store::Transaction& txn) {
      store::TransactionalOutboxWriter writer(*s->outbox, txn);
      return body(txn, writer);
    });
  };
}

absl::StatusOr<std::unique_ptr<ExactlyOnceStore>> OpenStore(
    bool overdue, std::shared_ptr<const ProductCatalog> products, const Clock* clock) {
  auto s = std::make_unique<ExactlyOnceStore>();
  ARREARS_ASSIGN_OR_RETURN(s->dir, store::TempDir::Create());
  ARREARS_ASSIGN_OR_RETURN(s->db, store::SqliteDatabase::Create({.path = s->dir->File("b.db")}));
  ARREARS_RETURN_IF_ERROR(
      s->db->Migrate(overdue ? AllOverdueMigrations() : bench::BenchApplier::Migrations()));
  s->processed = std::make_unique<store::SqliteProcessedEvents>(s->db.get());
  s->outbox = std::make_unique<store::SqliteOutbox>(s->db.get());
  if (overdue) {
    ARREARS_ASSIGN_OR_RETURN(s->book,
                             OverdueBook::Create({.products = products,
                                                  .db = s->db.get(),
                                                  .run_in_transaction = RunnerFor(s.get()),
                                                  .clock = clock,
                                                  .initial_business_date = kBusinessDate}));
    s->applier = std::make_unique<LoanEventApplier>(s->book.get());
  } else {
    s->applier = std::make_unique<bench::BenchApplier>(
        s->db.get(), topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name(), 400);
  }
  ARREARS_ASSIGN_OR_RETURN(s->processor, store::ExactlyOnceProcessor::Create(
                                             s->db.get(), s->processed.get(), s->outbox.get(),
                                             s->applier.get(), clock, {.consumer = "bench"}));
  return s;
}

absl::Status Feed(store::ExactlyOnceProcessor& processor,
                  const std::vector<events::InboundEvent>& events, size_t from, size_t to,
                  int batch) {
  for (size_t i = from; i < to; i += batch) {
    const size_t end = std::min(to, i + batch);
    const std::vector<absl::Status> statuses =
        processor.HandleBatch(absl::MakeConstSpan(events).subspan(i, end - i));
    for (size_t k = 0; k < statuses.size(); ++k) {
      if (!statuses[k].ok()) return Annotate(statuses[k], absl::StrCat("event ", i + k));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Row> InProcess(const std::string& path, store::ExactlyOnceProcessor& processor,
                              const std::vector<events::InboundEvent>& events, int64_t loans,
                              int batch) {
  ARREARS_RETURN_IF_ERROR(Feed(processor, events, 0, loans, batch));
  const absl::Duration cpu = ProcessCpu();
  const absl::Time start = absl::Now();
  ARREARS_RETURN_IF_ERROR(Feed(processor, events, loans, events.size(), batch));
  return Row{path, static_cast<int64_t>(events.size()) - loans, absl::Now() - start,
             ProcessCpu() - cpu};
}

// Times a ConsumerLoop over the preloaded topic, from the first batch with a
// repayment until every event is handled.
class TimingHandler final : public events::EventBatchHandler {
 public:
  TimingHandler(events::EventBatchHandler* inner, const absl::flat_hash_set<std::string>* openings,
                int64_t total)
      : inner_(inner), openings_(openings), total_(total) {}

  std::vector<absl::Status> HandleBatch(absl::Span<const events::InboundEvent> batch) override {
    bool repayment = false;
    for (const events::InboundEvent& e : batch) {
      repayment = repayment || !openings_->contains(e.event.envelope.id);
    }
    if (repayment && !started_) {
      started_ = true;
      start_ = absl::Now();
      cpu_start_ = ProcessCpu();
    }
    std::vector<absl::Status> statuses = inner_->HandleBatch(batch);
    for (const absl::Status& s : statuses) {
      if (!s.ok()) ++failed_;
    }
    handled_ += static_cast<int64_t>(statuses.size());
    if (handled_ >= total_ && !done_.HasBeenNotified()) {
      elapsed_ = absl::Now() - start_;
      cpu_ = ProcessCpu() - cpu_start_;
      done_.Notify();
    }
    return statuses;
  }

  absl::Notification& done() { return done_; }
  absl::Duration elapsed() const { return elapsed_; }
  absl::Duration cpu() const { return cpu_; }
  int64_t failed() const { return failed_; }

 private:
  events::EventBatchHandler* const inner_;
  const absl::flat_hash_set<std::string>* const openings_;
  const int64_t total_;
  bool started_ = false;
  absl::Time start_;
  absl::Duration cpu_start_;
  int64_t handled_ = 0;
  int64_t failed_ = 0;
  absl::Duration elapsed_;
  absl::Duration cpu_;
  absl::Notification done_;
};

absl::StatusOr<Row> ThroughBroker(const std::string& path, const std::string& bootstrap,
                                  const std::string& group, store::ExactlyOnceProcessor& processor,
                                  const absl::flat_hash_set<std::string>& openings, int64_t total,
                                  int64_t repayments, int batch) {
  TimingHandler handler(&processor, &openings, total);
  kafka::ConsumerOptions options;
  options.kafka.bootstrap_servers = bootstrap;
  options.kafka.client_id = group;
  options.kafka.profile = kafka::Profile::kDev;
  options.group_id = group;
  options.topics = {topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name()};
  options.max_batch_size = batch;
  kafka::KafkaConfig dlq = options.kafka;
  dlq.client_id = group + "-dlq";
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::KafkaProducer> dlq_producer,
                           kafka::KafkaProducer::Create(dlq));
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<kafka::ConsumerLoop> loop,
      kafka::ConsumerLoop::Create(options, &handler, dlq_producer.get(), &SystemClock::Get()));
  absl::Status run_status;
  std::thread consumer([&] { run_status = loop->Run(); });
  const bool done = handler.done().WaitForNotificationWithTimeout(absl::Minutes(10));
  loop->Stop();
  consumer.join();
  ARREARS_RETURN_IF_ERROR(run_status);
  if (!done) return absl::DeadlineExceededError(absl::StrCat(path, ": not every event arrived"));
  if (handler.failed() > 0) {
    return absl::DataLossError(absl::StrCat(path, ": ", handler.failed(), " events failed"));
  }
  return Row{path, repayments, handler.elapsed(), handler.cpu()};
}

absl::Status SameLoans(OverdueBook& book, DelinquencyEngine& engine, int64_t loans) {
  for (int64_t i = 0; i < loans; ++i) {
    const std::string loan_id = absl::StrFormat("L%08d", i);
    ARREARS_ASSIGN_OR_RETURN(LoanView got, book.GetLoan(loan_id));
    ARREARS_ASSIGN_OR_RETURN(LoanView want, engine.GetLoan(loan_id));
    if (!google::protobuf::util::MessageDifferencer::Equals(got.snapshot, want.snapshot) ||
        got.event_sequence != want.event_sequence) {
      return absl::DataLossError(absl::StrCat("loan ", loan_id,
                                              " differs: ", got.snapshot.ShortDebugString(), " vs ",
                                              want.snapshot.ShortDebugString()));
    }
  }
  return absl::OkStatus();
}

absl::Status Run() {
  const int64_t loans = absl::GetFlag(FLAGS_loans);
  const int64_t repayments = absl::GetFlag(FLAGS_repayments);
  const int batch = absl::GetFlag(FLAGS_batch);
  ARREARS_ASSIGN_OR_RETURN(ProductCatalog catalog,
                           ProductCatalog::LoadFile(absl::GetFlag(FLAGS_products_file)));
  auto products = std::make_shared<const ProductCatalog>(std::move(catalog));
  const Clock* clock = &SystemClock::Get();
  const std::vector<events::InboundEvent> events = Stream(loans, loans + repayments);
  std::printf(
      "%lld loans opened (untimed), then %lld repayment events; batch %d; business date "
      "%s\n\n",
      static_cast<long long>(loans), static_cast<long long>(repayments), batch,
      time::FormatCivilDay(kBusinessDate).c_str());
  std::printf("%-70s %9s %8s %10s %7s %10s %7s\n", "path", "events", "seconds", "events/s", "CPU s",
              "per core", "vs base");

  // Engine only.
  InMemoryLoanStore memory;
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<DelinquencyEngine> engine,
                           DelinquencyEngine::Create({products, &memory, clock, kBusinessDate}));
  Row engine_row{"in process: engine only (InMemoryLoanStore, no SQLite)"};
  {
    loan::v1::LoanEvent payload;
    for (int64_t i = 0; i < loans + repayments; ++i) {
      if (i == loans) {
        engine_row.cpu = ProcessCpu();
        engine_row.elapsed = absl::Now() - absl::UnixEpoch();
      }
      const events::Event& e = events[i].event;
      if (!payload.ParseFromString(e.payload)) return absl::DataLossError("payload");
      ARREARS_RETURN_IF_ERROR(engine->Apply(payload, e.envelope.id, e.envelope.time).status());
    }
    engine_row.events = repayments;
    engine_row.cpu = ProcessCpu() - engine_row.cpu;
    engine_row.elapsed = (absl::Now() - absl::UnixEpoch()) - engine_row.elapsed;
  }

  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<ExactlyOnceStore> base,
                           OpenStore(/*overdue=*/false, products, clock));
  ARREARS_ASSIGN_OR_RETURN(Row base_row,
                           InProcess("in process: exactly-once, platform applier (baseline)",
                                     *base->processor, events, loans, batch));
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<ExactlyOnceStore> ours,
                           OpenStore(/*overdue=*/true, products, clock));
  ARREARS_ASSIGN_OR_RETURN(Row ours_row,
                           InProcess("in process: exactly-once, overdue applier (engine + SQLite)",
                                     *ours->processor, events, loans, batch));
  const double base_per_core = base_row.events / absl::ToDoubleSeconds(base_row.cpu);
  Print(base_row, base_per_core);
  Print(engine_row, base_per_core);
  Print(ours_row, base_per_core);
  ARREARS_RETURN_IF_ERROR(Annotate(SameLoans(*ours->book, *engine, loans), "in-process check"));

  // Start-up of the service on this store: the calendar is rebuilt.
  const std::string db_path = ours->db->path();
  ours->processor.reset();
  ours->applier.reset();
  ours->book.reset();
  const absl::Time rebuild_start = absl::Now();
  ARREARS_ASSIGN_OR_RETURN(ours->book,
                           OverdueBook::Create({.products = products,
                                                .db = ours->db.get(),
                                                .run_in_transaction = RunnerFor(ours.get()),
                                                .clock = clock,
                                                .initial_business_date = kBusinessDate}));
  const absl::Duration rebuild = absl::Now() - rebuild_start;
  const HotIndexStats stats = ours->book->hot_index_stats();

  if (absl::GetFlag(FLAGS_broker)) {
    ARREARS_ASSIGN_OR_RETURN(
        std::unique_ptr<devbroker::DevBroker> broker,
        devbroker::DevBroker::Create(
            {.brokers = 1, .port = 0, .partitions_override = absl::GetFlag(FLAGS_partitions)}));
    kafka::KafkaConfig producer_config;
    producer_config.bootstrap_servers = broker->bootstrap();
    producer_config.client_id = "overdue-ingest-bench";
    producer_config.profile = kafka::Profile::kDev;
    ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::KafkaProducer> producer,
                             kafka::KafkaProducer::Create(producer_config));
    std::vector<events::Event> chunk;
    for (size_t i = 0; i < events.size(); i += 5000) {
      chunk.clear();
      for (size_t k = i; k < std::min(events.size(), i + 5000); ++k) {
        chunk.push_back(events[k].event);
      }
      ARREARS_RETURN_IF_ERROR(Annotate(producer->Publish(chunk), "preloading the topic"));
    }
    absl::flat_hash_set<std::string> openings;
    for (int64_t i = 0; i < loans; ++i) openings.insert(events[i].event.envelope.id);
    const int64_t total = loans + repayments;
    ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<ExactlyOnceStore> broker_base,
                             OpenStore(/*overdue=*/false, products, clock));
    ARREARS_ASSIGN_OR_RETURN(
        Row broker_base_row,
        ThroughBroker("dev broker: ConsumerLoop + exactly-once, platform applier (baseline)",
                      broker->bootstrap(), "bench-base", *broker_base->processor, openings, total,
                      repayments, batch));
    ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<ExactlyOnceStore> broker_ours,
                             OpenStore(/*overdue=*/true, products, clock));
    ARREARS_ASSIGN_OR_RETURN(
        Row broker_ours_row,
        ThroughBroker("dev broker: ConsumerLoop + exactly-once, overdue applier",
                      broker->bootstrap(), "bench-overdue", *broker_ours->processor, openings,
                      total, repayments, batch));
    const double broker_base_per_core =
        broker_base_row.events / absl::ToDoubleSeconds(broker_base_row.cpu);
    Print(broker_base_row, broker_base_per_core);
    Print(broker_ours_row, broker_base_per_core);
    ARREARS_RETURN_IF_ERROR(
        Annotate(SameLoans(*broker_ours->book, *engine, loans), "dev broker check"));
  }
  std::printf(
      "\nchecks: every event applied once, every loan's snapshot equal to the engine-only one\n"
      "start-up calendar rebuild from the SQLite store: %.3f s for %lld loans (%.2f us/loan, "
      "%zu hints, %.1f bytes/loan in RAM)\n",
      absl::ToDoubleSeconds(rebuild), static_cast<long long>(loans),
      absl::ToDoubleMicroseconds(rebuild) / loans, stats.entries,
      static_cast<double>(stats.bytes) / loans);
  return absl::OkStatus();
}

}  // namespace
}  // namespace arrears::overdue

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Repayment ingest of the overdue detection service vs baselines.");
  absl::ParseCommandLine(argc, argv);
  arrears::runtime::ConfigureLogging(
      {.service = "overdue-ingest-bench", .min_level = arrears::runtime::LogLevel::kWarning});
  const absl::Status status = arrears::overdue::Run();
  if (!status.ok()) {
    std::fprintf(stderr, "overdue_ingest_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
