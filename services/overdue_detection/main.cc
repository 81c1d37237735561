// overdue_detection: the overdue detection service process. Flags to
// OverdueAssemblyOptions, a ServiceHost and the Kafka dead-letter sink; the
// parts are wired by OverdueAssembly and the logic lives in the overdue_*
// libraries.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/kafka/producer.h"
#include "common/runtime/config.h"
#include "common/runtime/logging.h"
#include "common/runtime/process_clock.h"
#include "common/runtime/shutdown.h"
#include "common/service/service_host.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/time/clock.h"
#include "services/overdue_detection/kafka_dead_letter_sink.h"
#include "services/overdue_detection/overdue_assembly.h"
#include "services/overdue_detection/overdue_schema.h"

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
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<Clock> clock, runtime::ProcessClock(config));
  OverdueAssemblyOptions options;
  ARREARS_ASSIGN_OR_RETURN(options.products_file, ProductsFile());
  options.business_time_zone = absl::GetFlag(FLAGS_business_time_zone);
  if (const std::string text = absl::GetFlag(FLAGS_initial_business_date); !text.empty()) {
    absl::StatusOr<absl::CivilDay> parsed = time::ParseCivilDay(text);
    if (!parsed.ok()) return Annotate(parsed.status(), "--initial_business_date");
    options.initial_business_date = *parsed;
  }
  options.scheduled_close = absl::GetFlag(FLAGS_scheduled_close);
  options.business_day_starts_after = absl::GetFlag(FLAGS_business_day_starts_after);
  options.close_check_interval = absl::GetFlag(FLAGS_close_check_interval);
  options.parked_event_timeout = absl::GetFlag(FLAGS_parked_event_timeout);
  options.parked_sweep_interval = absl::GetFlag(FLAGS_parked_sweep_interval);

  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<service::ServiceHost> host,
                           service::ServiceHost::Create(config, OverdueMigrations(), clock.get()));
  // Parked events past their time go to the DLQ through a producer of our
  // own (the host's is private to it).
  ARREARS_ASSIGN_OR_RETURN(kafka::KafkaConfig kafka_config,
                           runtime::KafkaConfigFromRuntime(config));
  kafka_config.client_id = absl::StrCat(config.service_name, "-dead-letters");
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::KafkaProducer> dead_letter_producer,
                           kafka::KafkaProducer::Create(kafka_config));
  KafkaDeadLetterSink dead_letters(dead_letter_producer.get(), config.service_name, clock.get());
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<OverdueAssembly> assembly,
      OverdueAssembly::Create(*host, clock.get(), &dead_letters, std::move(options)));
  return host->Run(signal, *assembly);
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
