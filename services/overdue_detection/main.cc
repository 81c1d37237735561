// overdue_detection: the overdue detection service process. Wires the parts
// (flags, product catalog, ServiceHost, the book, the loan events consumer,
// the gRPC API, the scheduled close and the parked-event sweep); the logic
// lives in the overdue_* libraries.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arrears/delinquency/v1/overdue_service.grpc.pb.h"
#include "common/kafka/producer.h"
#include "common/runtime/config.h"
#include "common/runtime/logging.h"
#include "common/runtime/process_clock.h"
#include "common/runtime/shutdown.h"
#include "common/service/service_host.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/time/clock.h"
#include "common/topics/topics.h"
#include "services/overdue_detection/business_day_scheduler.h"
#include "services/overdue_detection/kafka_dead_letter_sink.h"
#include "services/overdue_detection/loan_event_applier.h"
#include "services/overdue_detection/overdue_book.h"
#include "services/overdue_detection/overdue_grpc_service.h"
#include "services/overdue_detection/overdue_schema.h"
#include "services/overdue_detection/periodic_runner.h"

ABSL_FLAG(std::string, products_file, "",
          "Product configuration (YAML). Empty: /etc/arrears/overdue_detection/products.yaml if "
          "present, else services/overdue_detection/config/products.yaml");
ABSL_FLAG(std::string, business_time_zone, "Asia/Shanghai",
          "IANA time zone whose local date is the business date");
ABSL_FLAG(std::string, initial_business_date, "",
          "Business date of a new store, YYYY-MM-DD; empty: today in --business_time_zone");
ABSL_FLAG(bool, scheduled_close, true,
          "Close the business day when the local date in --business_time_zone advances");
ABSL_FLAG(absl::Duration, business_day_starts_after, absl::ZeroDuration(),
          "How long after local midnight the new business day starts (e.g. 2h)");
ABSL_FLAG(absl::Duration, close_check_interval, absl::Seconds(1),
          "How often the scheduled close looks at the clock");
ABSL_FLAG(absl::Duration, parked_event_timeout, absl::Hours(24),
          "A loan event waiting for its loan (or for a fact it names) longer than this goes to "
          "the dead-letter topic with its reason");
ABSL_FLAG(absl::Duration, parked_sweep_interval, absl::Seconds(30),
          "How often parked events are checked against --parked_event_timeout");

namespace arrears::overdue {
namespace {

absl::StatusOr<std::string> ProductsFile() {
  std::string path = absl::GetFlag(FLAGS_products_file);
  if (!path.empty()) return path;
  for (const char* candidate : {"/etc/arrears/overdue_detection/products.yaml",
                                "services/overdue_detection/config/products.yaml"}) {
    std::error_code error;
    if (std::filesystem::exists(candidate, error)) return std::string(candidate);
  }
  return absl::NotFoundError("--products_file: not given and no default products.yaml found");
}

absl::Status Serve(runtime::ShutdownSignal& signal, const runtime::RuntimeConfig& config) {
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<Clock> process_clock, runtime::ProcessClock(config));
  const Clock& clock = *process_clock;
  ARREARS_ASSIGN_OR_RETURN(const std::string products_file, ProductsFile());
  ARREARS_ASSIGN_OR_RETURN(ProductCatalog catalog, ProductCatalog::LoadFile(products_file));
  auto products = std::make_shared<const ProductCatalog>(std::move(catalog));
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(absl::GetFlag(FLAGS_business_time_zone), &zone)) {
    return absl::InvalidArgumentError(absl::StrCat("--business_time_zone: unknown time zone \"",
                                                   absl::GetFlag(FLAGS_business_time_zone), "\""));
  }
  absl::CivilDay initial_date = time::LocalDate(clock.Now(), zone);
  if (const std::string text = absl::GetFlag(FLAGS_initial_business_date); !text.empty()) {
    absl::StatusOr<absl::CivilDay> parsed = time::ParseCivilDay(text);
    if (!parsed.ok()) return Annotate(parsed.status(), "--initial_business_date");
    initial_date = *parsed;
  }

  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<service::ServiceHost> host,
                           service::ServiceHost::Create(config, OverdueMigrations(), &clock));
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<OverdueBook> book,
      OverdueBook::Create(
          {.products = products,
           .db = &host->database(),
           .run_in_transaction =
               [&host](absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)>
                           body) { return host->InTransaction(body); },
           .clock = &clock,
           .initial_business_date = initial_date,
           .event_source = absl::StrCat("//arrears/", config.service_name)}));
  runtime::LogInfo("overdue book open")
      .With("business_date", time::FormatCivilDay(book->business_date()))
      .With("calendar_hints", static_cast<int64_t>(book->hot_index_stats().entries))
      .With("products_file", products_file);

  LoanEventApplier applier(book.get());
  ARREARS_RETURN_IF_ERROR(
      host->AddConsumer({.group_id = config.service_name,
                         .topics = {topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name()},
                         .applier = &applier}));
  OverdueGrpcService grpc_service(book.get());
  host->AddGrpcService(
      runtime::GrpcServiceBinding::Of<delinquency::v1::OverdueService>(&grpc_service));

  // Parked events past their time go to the DLQ through a producer of our
  // own (the host's is private to it).
  ARREARS_ASSIGN_OR_RETURN(kafka::KafkaConfig kafka_config,
                           runtime::KafkaConfigFromRuntime(config));
  kafka_config.client_id = absl::StrCat(config.service_name, "-dead-letters");
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::KafkaProducer> dead_letter_producer,
                           kafka::KafkaProducer::Create(kafka_config));
  KafkaDeadLetterSink dead_letters(dead_letter_producer.get(), config.service_name, &clock);
  const absl::Duration parked_timeout = absl::GetFlag(FLAGS_parked_event_timeout);
  PeriodicRunner sweeper(absl::GetFlag(FLAGS_parked_sweep_interval), [&] {
    absl::StatusOr<SweepResult> swept = book->SweepParkedEvents(parked_timeout, dead_letters);
    if (!swept.ok()) {
      runtime::LogWarning("parked-event sweep failed").With("error", swept.status().ToString());
    } else if (swept->dead_lettered > 0) {
      runtime::LogWarning("parked events dead-lettered")
          .With("count", swept->dead_lettered)
          .With("timeout", absl::FormatDuration(parked_timeout));
    }
  });

  std::unique_ptr<PeriodicRunner> closer;
  BusinessDayScheduler scheduler(
      {.clock = &clock,
       .time_zone = zone,
       .day_starts_after = absl::GetFlag(FLAGS_business_day_starts_after),
       .business_date = [&book] { return book->business_date(); },
       .close = [&book](absl::CivilDay day) { return book->CloseBusinessDay(day).status(); }});
  if (absl::GetFlag(FLAGS_scheduled_close)) {
    closer = std::make_unique<PeriodicRunner>(absl::GetFlag(FLAGS_close_check_interval), [&] {
      absl::StatusOr<absl::optional<absl::CivilDay>> closed = scheduler.Tick();
      if (!closed.ok()) {
        runtime::LogError("scheduled close failed").With("error", closed.status().ToString());
      } else if (closed->has_value()) {
        runtime::LogInfo("business day closed")
            .With("business_date", time::FormatCivilDay(**closed));
      }
    });
  }

  absl::Status status = host->Run(signal);
  // Housekeeping stops before the book and the host go away.
  if (closer != nullptr) closer->Stop();
  sweeper.Stop();
  return status;
}

}  // namespace
}  // namespace arrears::overdue

int main(int argc, char** argv) {
  using namespace arrears;  // NOLINT(google-build-using-namespace): main only
  absl::StatusOr<std::unique_ptr<runtime::ShutdownSignal>> signal =
      runtime::ShutdownSignal::Create();
  if (!signal.ok()) {
    std::cerr << signal.status() << "\n";
    return 1;
  }
  absl::SetFlag(&FLAGS_service_name, "overdue-detection");
  runtime::ParseCommandLine(argc, argv,
                            "Overdue detection: days past due, buckets, classes and the overdue "
                            "report from loan events.");
  absl::StatusOr<runtime::RuntimeConfig> config = runtime::RuntimeConfigFromFlags();
  if (!config.ok()) {
    std::cerr << config.status() << "\n";
    return 2;
  }
  runtime::ConfigureLogging({.service = config->service_name, .min_level = config->log_level});
  absl::Status status = overdue::Serve(**signal, *config);
  if (!status.ok()) {
    runtime::LogError("exiting with error").With("error", status.ToString());
    return 1;
  }
  return 0;
}
