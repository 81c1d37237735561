#include "services/overdue_detection/overdue_assembly.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/runtime/logging.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/time/time_zone.h"
#include "common/topics/topics.h"
#include "services/overdue_detection/overdue_schema.h"

namespace arrears::overdue {

absl::StatusOr<std::unique_ptr<OverdueAssembly>> OverdueAssembly::Create(
    service::Host& host, const Clock* clock, DeadLetterSink* dead_letters,
    OverdueAssemblyOptions options) {
  if (clock == nullptr || dead_letters == nullptr) {
    return absl::InvalidArgumentError("OverdueAssembly: clock and dead_letters are required");
  }
  auto assembly = std::unique_ptr<OverdueAssembly>(new OverdueAssembly());
  assembly->clock_ = clock;
  assembly->dead_letters_ = dead_letters;
  absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(options.business_time_zone);
  if (!zone.ok()) return Annotate(zone.status(), "--business_time_zone");
  assembly->zone_ = *zone;
  absl::StatusOr<ProductCatalog> catalog = ProductCatalog::LoadFile(options.products_file);
  if (!catalog.ok()) return Annotate(catalog.status(), "--products_file=" + options.products_file);
  auto products = std::make_shared<const ProductCatalog>(*std::move(catalog));
  const absl::CivilDay initial_date =
      options.initial_business_date.value_or(time::LocalDate(clock->Now(), assembly->zone_));

  // The report scans the whole book: on its own connection (WAL) it reads a
  // snapshot while ingest and closes go on through the host's.
  const std::string& db_path = host.database().path();
  if (!db_path.empty() && db_path != ":memory:") {
    absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> report_db =
        store::SqliteDatabase::Create({.path = db_path, .background_checkpoints = false});
    if (!report_db.ok()) return Annotate(report_db.status(), "opening the report's connection");
    assembly->report_db_ = *std::move(report_db);
  }
  service::Host* raw_host = &host;
  ARREARS_ASSIGN_OR_RETURN(
      assembly->book_,
      OverdueBook::Create(
          {.products = products,
           .db = &host.database(),
           .run_in_transaction =
               [raw_host](absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)>
                              body) { return raw_host->InTransaction(body); },
           .clock = clock,
           .initial_business_date = initial_date,
           .event_source = absl::StrCat("//arrears/", host.config().service_name),
           .report_db = assembly->report_db_.get()}));
  runtime::LogInfo("overdue book open")
      .With("business_date", time::FormatCivilDay(assembly->book_->business_date()))
      .With("calendar_hints", static_cast<int64_t>(assembly->book_->hot_index_stats().entries))
      .With("products_file", options.products_file);

  assembly->applier_ = std::make_unique<LoanEventApplier>(assembly->book_.get());
  ARREARS_RETURN_IF_ERROR(
      host.AddConsumer({.group_id = host.config().service_name,
                        .topics = {topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name()},
                        .applier = assembly->applier_.get()}));
  assembly->grpc_service_ = std::make_unique<OverdueGrpcService>(assembly->book_.get());
  host.AddGrpcService(runtime::GrpcServiceBinding::Of<delinquency::v1::OverdueService>(
      assembly->grpc_service_.get()));

  OverdueBook* book = assembly->book_.get();
  assembly->scheduler_ = std::make_unique<BusinessDayScheduler>(BusinessDaySchedulerOptions{
      .clock = clock,
      .time_zone = assembly->zone_,
      .day_starts_after = options.business_day_starts_after,
      .business_date = [book] { return book->business_date(); },
      .close = [book](absl::CivilDay day) { return book->CloseBusinessDay(day).status(); }});
  assembly->options_ = std::move(options);
  return assembly;
}

OverdueAssembly::~OverdueAssembly() { StopBackground(); }

void OverdueAssembly::StartBackground() {
  if (sweeper_ != nullptr) return;
  const absl::Duration parked_timeout = options_.parked_event_timeout;
  sweeper_ =
      std::make_unique<PeriodicRunner>(options_.parked_sweep_interval, [this, parked_timeout] {
        absl::StatusOr<SweepResult> swept =
            book_->SweepParkedEvents(parked_timeout, *dead_letters_);
        if (!swept.ok()) {
          runtime::LogWarning("parked-event sweep failed").With("error", swept.status().ToString());
        } else if (swept->dead_lettered > 0) {
          runtime::LogWarning("parked events dead-lettered")
              .With("count", swept->dead_lettered)
              .With("timeout", absl::FormatDuration(parked_timeout));
        }
      });
  if (options_.scheduled_close) {
    closer_ = std::make_unique<PeriodicRunner>(options_.close_check_interval, [this] {
      absl::StatusOr<absl::optional<absl::CivilDay>> closed = scheduler_->Tick();
      if (!closed.ok()) {
        runtime::LogError("scheduled close failed").With("error", closed.status().ToString());
      } else if (closed->has_value()) {
        runtime::LogInfo("business day closed")
            .With("business_date", time::FormatCivilDay(**closed));
      }
    });
  }
}

void OverdueAssembly::StopBackground() {
  if (closer_ != nullptr) closer_->Stop();
  if (sweeper_ != nullptr) sweeper_->Stop();
}

}  // namespace arrears::overdue
