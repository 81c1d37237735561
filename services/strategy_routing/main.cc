// strategy-routing: collection cases, strategy decisions and contact requests.
// Wires the parts (flags, config files, ServiceHost, store, case manager,
// consumer, gRPC API, agenda worker); the logic lives in the library.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/runtime/config.h"
#include "common/runtime/logging.h"
#include "common/runtime/process_clock.h"
#include "common/runtime/shutdown.h"
#include "common/service/service_host.h"
#include "common/status/status_macros.h"
#include "services/strategy_routing/agenda_worker.h"
#include "services/strategy_routing/case_manager.h"
#include "services/strategy_routing/sqlite_case_store.h"
#include "services/strategy_routing/strategy_event_applier.h"
#include "services/strategy_routing/strategy_grpc_service.h"
#include "services/strategy_routing/strategy_loader.h"
#include "services/strategy_routing/unit_of_work.h"
#include "services/strategy_routing/yaml_util.h"

ABSL_FLAG(std::string, strategy_file, "services/strategy_routing/config/default_strategy.yaml",
          "The default strategy (YAML); stored as a version at start-up if new.");
ABSL_FLAG(std::string, scorecard_file, "services/strategy_routing/config/default_scorecard.yaml",
          "The self-cure scorecard (YAML).");
ABSL_FLAG(std::string, field_roster_file, "services/strategy_routing/config/field_roster.yaml",
          "Field staff by region with capacity per day (YAML).");
ABSL_FLAG(std::vector<std::string>, agencies, {"agency-default"},
          "Collection agencies for placements, chosen by a stable hash of the case id.");
ABSL_FLAG(int, agency_placement_days, 90, "Days a case stays placed with an agency.");
ABSL_FLAG(std::string, legal_firm, "legal-department", "Firm that receives legal referrals.");
ABSL_FLAG(int, promise_grace_days, 3, "Days after a promised date before it counts as broken.");
ABSL_FLAG(int, inline_agenda_limit, 500,
          "Due cases decided inside the event that advances a business date.");
ABSL_FLAG(int, agenda_batch, 500, "Due cases per agenda worker transaction.");
ABSL_FLAG(absl::Duration, agenda_interval, absl::Seconds(1), "Agenda worker period.");

namespace arrears::strategy {
namespace {

absl::Status RunService(runtime::ShutdownSignal& signal) {
  ARREARS_ASSIGN_OR_RETURN(runtime::RuntimeConfig config, runtime::RuntimeConfigFromFlags());
  runtime::ConfigureLogging({.service = config.service_name, .min_level = config.log_level});
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<Clock> clock, runtime::ProcessClock(config));

  const std::string strategy_file = absl::GetFlag(FLAGS_strategy_file);
  ARREARS_ASSIGN_OR_RETURN(std::string strategy_source, ReadConfigFile(strategy_file));
  absl::StatusOr<Strategy> strategy = LoadStrategy(strategy_source);
  if (!strategy.ok()) return Annotate(strategy.status(), "--strategy_file=" + strategy_file);
  ARREARS_ASSIGN_OR_RETURN(std::string scorecard_yaml,
                           ReadConfigFile(absl::GetFlag(FLAGS_scorecard_file)));
  absl::StatusOr<std::unique_ptr<Scorecard>> scorecard = Scorecard::Create(scorecard_yaml);
  if (!scorecard.ok()) return Annotate(scorecard.status(), "--scorecard_file");
  absl::StatusOr<std::unique_ptr<FieldRoster>> roster =
      FieldRoster::CreateFromFile(absl::GetFlag(FLAGS_field_roster_file));
  if (!roster.ok()) return Annotate(roster.status(), "--field_roster_file");

  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<service::ServiceHost> host,
      service::ServiceHost::Create(config, StrategyRoutingMigrations(), clock.get()));
  const CasePolicy policy{.promise_grace_days = absl::GetFlag(FLAGS_promise_grace_days)};
  SqliteCaseStore case_store(&host->database(), policy);

  // The file's version joins the stored ones (the store is the record of
  // what ran); a changed file under an old version number is refused.
  std::vector<StoredStrategy> stored;
  const StoredStrategy from_file =
      MakeStoredStrategy(*strategy, strategy_source, "strategy-file", clock->Now());
  ARREARS_RETURN_IF_ERROR(Annotate(
      host->InTransaction([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(stored, RegisterStrategyFile(case_store, txn, from_file));
        return absl::OkStatus();
      }),
      "--strategy_file=" + strategy_file));
  const std::vector<int> boundaries = (*scorecard)->DpdBoundaries();
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<StrategyBook> book,
                           StrategyBook::Create(strategy->id, stored, boundaries));

  CaseManager manager(&case_store, book.get(), scorecard->get(), roster->get(),
                      CaseManagerOptions{
                          .policy = policy,
                          .agencies = absl::GetFlag(FLAGS_agencies),
                          .agency_placement_days = absl::GetFlag(FLAGS_agency_placement_days),
                          .legal_firm_id = absl::GetFlag(FLAGS_legal_firm),
                          .inline_agenda_limit = absl::GetFlag(FLAGS_inline_agenda_limit),
                      });
  StrategyEventApplier applier(&manager);
  ARREARS_RETURN_IF_ERROR(host->AddConsumer({.group_id = "strategy-routing",
                                             .topics = StrategyEventApplier::Topics(),
                                             .applier = &applier}));
  HostUnitOfWork<service::ServiceHost> unit_of_work(host.get());
  StrategyGrpcService grpc_service(&manager, book.get(), &unit_of_work, clock.get(), boundaries);
  host->AddGrpcService(runtime::GrpcServiceBinding::Of<v1::StrategyService>(&grpc_service));

  // Started before the host serves and stopped after its drain: a unit the
  // worker commits after the relay stopped stays in the outbox and goes out
  // at the next start (the outbox is at-least-once by design).
  AgendaWorker agenda(&manager, &unit_of_work, absl::GetFlag(FLAGS_agenda_interval),
                      absl::GetFlag(FLAGS_agenda_batch));
  agenda.Start();
  absl::Status status = host->Run(signal);
  agenda.Stop();
  return status;
}

}  // namespace
}  // namespace arrears::strategy

int main(int argc, char** argv) {
  using namespace arrears;  // NOLINT(google-build-using-namespace): main only
  absl::StatusOr<std::unique_ptr<runtime::ShutdownSignal>> signal =
      runtime::ShutdownSignal::Create();
  if (!signal.ok()) {
    std::cerr << signal.status() << "\n";
    return 1;
  }
  absl::SetFlag(&FLAGS_service_name, "strategy-routing");
  runtime::ParseCommandLine(argc, argv,
                            "Collection cases, strategy decisions and contact requests.");
  absl::Status status = strategy::RunService(**signal);
  if (!status.ok()) {
    runtime::LogError("exiting with error").With("error", status.ToString());
    std::cerr << status << "\n";
    return 1;
  }
  return 0;
}
