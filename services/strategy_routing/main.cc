// strategy-routing: collection cases, strategy decisions and contact requests.
// Flags to StrategyAssemblyOptions and a ServiceHost; StrategyAssembly wires
// the parts and the logic lives in the library.
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
#include "services/strategy_routing/strategy_assembly.h"

ABSL_FLAG(std::string, strategy_file, "services/strategy_routing/config/default_strategy.yaml",
          "The default strategy (YAML, or textproto when named *.textproto, *.txtpb or "
          "*.pbtxt); stored as a version at start-up if new.");
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
ABSL_FLAG(absl::Duration, settle_after, absl::Hours(6),
          "Decisions on business date D wait until local D 00:00 + this, when the close of D has "
          "published all of D's delinquency events (arrival order of a customer's loans cannot "
          "change them); negative = decide on arrival.");
ABSL_FLAG(int, agenda_batch, 500, "Due cases per agenda worker transaction.");
ABSL_FLAG(absl::Duration, agenda_interval, absl::Seconds(1), "Agenda worker period.");

namespace arrears::strategy {
namespace {

absl::Status RunService(runtime::ShutdownSignal& signal) {
  ARREARS_ASSIGN_OR_RETURN(runtime::RuntimeConfig config, runtime::RuntimeConfigFromFlags());
  runtime::ConfigureLogging({.service = config.service_name, .min_level = config.log_level});
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<Clock> clock, runtime::ProcessClock(config));
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<service::ServiceHost> host,
      service::ServiceHost::Create(config, StrategyRoutingMigrations(), clock.get()));
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<StrategyAssembly> assembly,
      StrategyAssembly::Create(*host, clock.get(),
                               {.strategy_file = absl::GetFlag(FLAGS_strategy_file),
                                .scorecard_file = absl::GetFlag(FLAGS_scorecard_file),
                                .field_roster_file = absl::GetFlag(FLAGS_field_roster_file),
                                .agencies = absl::GetFlag(FLAGS_agencies),
                                .agency_placement_days = absl::GetFlag(FLAGS_agency_placement_days),
                                .legal_firm = absl::GetFlag(FLAGS_legal_firm),
                                .promise_grace_days = absl::GetFlag(FLAGS_promise_grace_days),
                                .inline_agenda_limit = absl::GetFlag(FLAGS_inline_agenda_limit),
                                .settle_after = absl::GetFlag(FLAGS_settle_after),
                                .agenda_batch = absl::GetFlag(FLAGS_agenda_batch),
                                .agenda_interval = absl::GetFlag(FLAGS_agenda_interval)}));
  return host->Run(signal, *assembly);
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
